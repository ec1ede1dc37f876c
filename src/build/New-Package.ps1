<#
.SYNOPSIS
    Packs the built module into a .nupkg and proves that it installs and works.
.DESCRIPTION
    Publishes -ModulePath (out/NsPS) with Publish-PSResource to a local file repository in -OutputPath
    (build.ps1: out/, so the package is out/NsPS.<version>.nupkg),
    then installs it from there with Install-PSResource (scope CurrentUser) and checks the installed
    module: the same files with the same contents and Unix modes as the built one, the cmdlets of its
    manifest, and Get-Namespace listing this process's user namespace.
    build.ps1 -Task Package runs this in a pwsh whose HOME and XDG folders are a scratch folder, so the
    repository it registers and the module it installs touch nothing of the caller's.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'NsPS.psd1')
$version = $manifest.ModuleVersion
$repository = 'NsPSPackage'
Register-PSResourceRepository -Name $repository -Uri $OutputPath -Trusted
Publish-PSResource -Path $ModulePath -Repository $repository
$nupkg = Join-Path $OutputPath "NsPS.$version.nupkg"
if (-not (Test-Path -LiteralPath $nupkg)) { throw "Publish-PSResource made no $nupkg." }

# The package's files keep the built files' Unix modes (the launcher must stay executable): the packer
# writes each as 0644, and Install-PSResource restores the mode that a zip entry carries.
$zip = [IO.Compression.ZipFile]::Open($nupkg, [IO.Compression.ZipArchiveMode]::Update)
try {
    foreach ($entry in $zip.Entries) {
        $file = Join-Path $ModulePath $entry.FullName
        if (Test-Path -LiteralPath $file -PathType Leaf) {
            $entry.ExternalAttributes = (0x8000 -bor [int][IO.File]::GetUnixFileMode($file)) -shl 16   # S_IFREG | mode
        }
    }
}
finally { $zip.Dispose() }

Install-PSResource -Name NsPS -Version $version -Repository $repository -Scope CurrentUser -TrustRepository -Reinstall
$installed = Get-InstalledPSResource -Name NsPS -Version $version
$installedPath = Join-Path $installed.InstalledLocation "NsPS/$version"
if (-not $installedPath.StartsWith("$HOME/")) { throw "Install-PSResource installed NsPS in $installedPath, outside this run's home $HOME." }

# Every built file is installed as it was built; the installer adds only its own record.
$problems = [Collections.Generic.List[string]]::new()
$built = @(Get-ChildItem $ModulePath -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($ModulePath, $_.FullName) })
$got = @(Get-ChildItem $installedPath -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($installedPath, $_.FullName) })
foreach ($extra in $got | Where-Object { $_ -notin $built -and $_ -ne 'PSGetModuleInfo.xml' }) { $problems.Add("installed but not built: $extra") }
foreach ($file in $built) {
    $a = Join-Path $ModulePath $file
    $b = Join-Path $installedPath $file
    if (-not (Test-Path -LiteralPath $b)) { $problems.Add("not installed: $file"); continue }
    if ((Get-FileHash $a).Hash -ne (Get-FileHash $b).Hash) { $problems.Add("installed with other contents: $file") }
    $modeA = [IO.File]::GetUnixFileMode($a); $modeB = [IO.File]::GetUnixFileMode($b)
    if ($modeA -ne $modeB) { $problems.Add("installed with mode $modeB instead of ${modeA}: $file") }
}

# The installed module imports, exports the cmdlets of its manifest and lists a namespace.
Import-Module (Join-Path $installedPath 'NsPS.psd1')
$cmdlets = @(Get-Command -Module NsPS | ForEach-Object Name | Sort-Object)
if (($cmdlets -join ',') -ne (@($manifest.CmdletsToExport | Sort-Object) -join ',')) { $problems.Add("the installed module exports $($cmdlets -join ', ')") }
$self = (Get-Item /proc/self/ns/user).LinkTarget
if (-not (Get-Namespace -Type User | Where-Object { "user:[$($_.Id)]" -eq $self })) { $problems.Add("the installed module's Get-Namespace does not list $self") }

if ($problems.Count) { throw "The package $nupkg does not install as built:`n  $($problems -join "`n  ")" }
Write-Host "Package ready: $nupkg (installed with Install-PSResource from a local repository and checked: $($built.Count) files, $($cmdlets.Count) cmdlets)"
