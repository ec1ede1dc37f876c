<#
.SYNOPSIS
    Builds, tests, benchmarks, analyzes and packages the NsPS module.
.DESCRIPTION
    -Task takes one or more tasks; each runs once, after the tasks it needs (so -Task Test,Bench builds once).
    Build (default): compiles the module into out/NsPS, a complete module folder for linux-x64 and
             linux-arm64: runtimes/<rid> holds each architecture's Tmds.LibC and its launcher, a static
             PIE against musl (needs musl-tools and gcc-aarch64-linux-gnu on x64; musl-dev:arm64 is fetched
             into out/musl with apt-get download, so dpkg must know the arm64 architecture).
    Test:    (Build) runs the xunit tests and the Pester tests against the built module, lists every
             skipped test with the reason it names, and ends with one line "N passed, N failed, N skipped"
             counting both. With $env:CI = 'true' a skip that names no reason, and a Pester file that runs
             no test, count as failed.
    Bench:   (Build) runs the benchmarks against the real tools (lsns, ip netns, unshare, nsenter), and
             the import of NsPS against the import of Microsoft.PowerShell.PSResourceGet.
    Soak:    (Build) runs the reliability suite with 500 cycles instead of 50.
    Package: (Build) makes out/NsPS.<version>.nupkg with Publish-PSResource (one package for linux-x64
             and linux-arm64), installs it with Install-PSResource from a local file repository into a
             scratch home, and checks the installed module: the same files with the same modes, and it
             imports and lists namespaces.
    Analyze: the .NET analyzers (recommended level, every finding an error) on src/NsPS, and cppcheck
             and clang-tidy on the launcher; fails listing every finding.
    KernelCheck: (Build) runs the Pester tests tagged KernelSmoke (of -TestPath's files, if given), as root
             and as a plain user, on Debian 12's stock 6.1 kernel in qemu without KVM (TCG), through
             src/build/KernelCheck.ps1: apt-get installs qemu-system-x86 and busybox-static, and downloads
             the kernel package into out/kernelcheck (unpacked there, never installed). The guest sees
             this machine's root read-only under a memory overlay and uses its dotnet, pwsh, Pester and
             out/NsPS; it needs no network. Ends with the same "N passed, N failed, N skipped" line as
             Test. Slow (about 21 minutes on 2 cores, 90 at most), so not part of CI.
    A failing step stops the script with a non-zero exit code.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Analyze, Test, Package
#>
[CmdletBinding()]
param(
    # One or more of Build, Test, Bench, Soak, Package, Analyze, KernelCheck (also as one comma-separated argument).
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tests to run (paths or file names under tests/); all by default (KernelCheck: those tagged KernelSmoke).
    [string[]] $TestPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'NsPS'
Import-Module (Join-Path $root 'src/build/Launcher.psm1') -Force

function Invoke-Step([string] $Name, [scriptblock] $Action) {
    Write-Host "==> $Name" -ForegroundColor Cyan
    & $Action
    if ($LASTEXITCODE) { throw "$Name failed with exit code $LASTEXITCODE." }
}

# Runs another pwsh like this one (pwsh comes from the local tool manifest, so it may be "dotnet pwsh.dll").
function Invoke-Pwsh {
    $exe = [Environment]::ProcessPath
    if ((Split-Path $exe -Leaf) -match '^dotnet') { & $exe (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive @args }
    else { & $exe -NoProfile -NonInteractive @args }
}

function Get-RuntimeId {
    switch ([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture) {
        'X64' { 'linux-x64' }
        'Arm64' { 'linux-arm64' }
        default { throw "NsPS supports Linux on x64 and arm64, not $_." }
    }
}

function Build-Module {
    if (-not $IsLinux) { throw 'NsPS builds and runs on Linux only.' }
    $hostRid = Get-RuntimeId
    # The managed pieces of every architecture the module serves: NsPS.dll is one for all, Tmds.LibC has
    # each architecture's constants and structure layouts (runtimes/<rid>, picked at import).
    foreach ($rid in Get-LauncherRuntime) {
        Invoke-Step "dotnet publish NsPS ($Configuration, $rid)" {
            dotnet publish (Join-Path $root 'src/NsPS/NsPS.csproj') -c $Configuration -r $rid --self-contained false `
                -o (Join-Path $out "publish/$rid") -nologo -v quiet -p:UseAppHost=false
        }
    }
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    New-Item -ItemType Directory $moduleOut | Out-Null
    Copy-Item (Join-Path $root 'NsPS.psd1') $moduleOut
    Copy-Item (Join-Path $root 'src/NsPS/NsPS.Format.ps1xml'), (Join-Path $root 'src/NsPS/NsPS.Types.ps1xml'), (Join-Path $root 'src/NsPS/NsPS.Assertions.psm1'), (Join-Path $root 'src/NsPS/NsPS.Assertions.ps1') $moduleOut
    Copy-Item (Join-Path $root 'LICENSE') $moduleOut
    Copy-Item (Join-Path $out "publish/$hostRid/NsPS.dll") $moduleOut

    # Per architecture: Tmds.LibC and the launcher, a static PIE against musl (a missing source or
    # toolchain fails the build).
    Install-LauncherToolchain
    foreach ($rid in Get-LauncherRuntime) {
        $dir = Join-Path $moduleOut "runtimes/$rid"
        New-Item -ItemType Directory $dir | Out-Null
        Copy-Item (Join-Path $out "publish/$rid/Tmds.LibC.dll") $dir
        [IO.File]::SetUnixFileMode((Join-Path $dir 'Tmds.LibC.dll'), [IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead')   # NuGet's 0744
        Invoke-Step "nsps-launcher ($rid, static)" { Build-Launcher $rid (Join-Path $dir 'nsps-launcher') }
    }

    Invoke-Step 'help' {
        Invoke-Pwsh -File (Join-Path $root 'src/build/Build-Help.ps1') -DocsPath (Join-Path $root 'src/help') `
            -OutputPath $moduleOut -ModulePath (Join-Path $moduleOut 'NsPS.psd1')
    }
    Write-Host "Module ready: $moduleOut"
}

function Get-PesterModulePath {
    $proj = Join-Path $root 'src/build/Packages.proj'
    Invoke-Step 'restore Pester' { dotnet restore $proj -nologo -v quiet }
    # The one place that names Pester's version is the project that restores it.
    $version = ([xml](Get-Content -Raw $proj)).Project.ItemGroup.PackageDownload.Version.Trim('[]')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $pester = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $pester)) { throw "Pester was restored but $pester is missing." }
    return $pester
}

function Invoke-Tests([string[]] $TestPath) {
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory $results | Out-Null

    # xunit: pure logic (parsers, validation, errno mapping).
    $trx = Join-Path $results 'xunit.trx'
    dotnet test (Join-Path $root 'tests/NsPS.Tests/NsPS.Tests.csproj') -c $Configuration -nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' | Out-Host
    $xunitExit = $LASTEXITCODE
    $xunit = [pscustomobject]@{ Name = 'xunit'; Passed = 0; Failed = 0; Skipped = @(); Idle = @() }
    if (Test-Path $trx) {
        $run = ([xml](Get-Content -Raw $trx)).TestRun
        $counters = $run.ResultSummary.Counters
        $xunit.Passed = [int]$counters.passed
        $xunit.Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
        # [Fact(Skip = "reason")]: the trx keeps the reason as the result's message (its counters miss skips).
        $xunit.Skipped = @($run.Results.UnitTestResult | Where-Object outcome -eq 'NotExecuted' | ForEach-Object {
                $reason = $_.SelectSingleNode('*[local-name()="Output"]/*[local-name()="ErrorInfo"]/*[local-name()="Message"]')
                [pscustomobject]@{ Name = $_.testName; Reason = if ($reason) { $reason.InnerText.Trim() } else { '' } }
            })
    }
    if ($xunitExit -and -not $xunit.Failed) { $xunit.Failed = 1 }   # the run itself failed (build error)

    # Pester: the built module against the real kernel, in a fresh pwsh.
    $pester = Get-PesterModulePath
    $summary = Join-Path $results 'pester.json'
    Invoke-Pwsh -File (Join-Path $root 'src/build/Invoke-PesterRun.ps1') `
        -PesterPath $pester -TestPath (Resolve-TestPath $TestPath) -SummaryPath $summary -ResultPath (Join-Path $results 'pester.xml')
    Write-TestSummary $xunit, (Read-PesterSummary 'Pester' $summary)
}

# The Pester files to run, comma-separated: paths or file names under tests/; all of tests/ by default.
function Resolve-TestPath([string[]] $TestPath) {
    $paths = if ($TestPath) {
        $TestPath -split ',' | Where-Object { $_ } | ForEach-Object { if (Test-Path $_) { (Resolve-Path $_).Path } else { Join-Path $root "tests/$_" } }
    } else { @(Join-Path $root 'tests') }
    $paths -join ','
}

# The summary src/build/Invoke-PesterRun.ps1 wrote. No summary, or a run that found no test, counts as a failure.
function Read-PesterSummary([string] $Name, [string] $Path) {
    $pesterRun = [pscustomobject]@{ Name = $Name; Passed = 0; Failed = 1; Skipped = @(); Idle = @() }
    if (Test-Path $Path) {
        $s = Get-Content -Raw $Path | ConvertFrom-Json
        if ($null -ne $s.Passed -and ([int]$s.Passed + [int]$s.Failed + @($s.Skipped).Count) -gt 0) {
            $pesterRun.Passed = [int]$s.Passed; $pesterRun.Failed = [int]$s.Failed
            $pesterRun.Skipped = @($s.Skipped); $pesterRun.Idle = @($s.Idle)
        }
    }
    $pesterRun
}

# Lists each part's skipped tests and idle files, its counts, then one line "N passed, N failed, N skipped"
# for all; exits 1 when a test failed or none passed.
function Write-TestSummary([object[]] $Parts) {
    # What did not run is always listed, with the reason its test names. Under CI (root, no terminal)
    # a skip that names no reason, and a Pester file that ran no test, count as failed.
    $ci = $env:CI -eq 'true'
    foreach ($part in $Parts) {
        foreach ($t in $part.Skipped) {
            $why = if ($t.Reason) { $t.Reason } else { "no reason named$(if ($ci) { ': failed under CI' })" }
            Write-Host "skipped ($($part.Name)): $($t.Name) -- $why" -ForegroundColor Yellow
        }
        foreach ($file in $part.Idle) {
            Write-Host "ran no test ($($part.Name)): $file$(if ($ci) { ' -- failed under CI' })" -ForegroundColor Yellow
        }
        if ($ci) {
            $unexplained = @($part.Skipped | Where-Object { -not $_.Reason })
            $part.Failed += $unexplained.Count + $part.Idle.Count
            $part.Skipped = @($part.Skipped | Where-Object { $_.Reason })
        }
        Write-Host "$($part.Name): $($part.Passed) passed, $($part.Failed) failed, $($part.Skipped.Count) skipped"
    }
    $passed = ($Parts.Passed | Measure-Object -Sum).Sum
    $failed = ($Parts.Failed | Measure-Object -Sum).Sum
    $skipped = ($Parts | ForEach-Object { $_.Skipped.Count } | Measure-Object -Sum).Sum
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

# The Pester tests tagged KernelSmoke (of -TestPath's files, if given) on Debian 12's stock 6.1 kernel in qemu
# (TCG), through src/build/KernelCheck.ps1, which gets qemu, busybox and the kernel itself into out/kernelcheck.
function Invoke-KernelCheck {
    $cache = Join-Path $out 'kernelcheck'
    $results = Join-Path $cache 'results'
    $pester = Get-PesterModulePath
    Invoke-Pwsh -File (Join-Path $root 'src/build/KernelCheck.ps1') -RepoRoot $root -PesterPath $pester `
        -TestPath (Resolve-TestPath $TestPath) -CachePath $cache -ResultPath $results
    Write-TestSummary @(Read-PesterSummary 'Pester (Linux 6.1)' (Join-Path $results 'pester.json'))
}

# out/NsPS.<version>.nupkg, installed and checked by src/build/New-Package.ps1 in a pwsh whose
# home is a scratch folder (its repository registration and its installed module go with it).
function Invoke-Package {
    $scratch = Join-Path $out 'package-home'
    if (Test-Path $scratch) { Remove-Item $scratch -Recurse -Force }
    New-Item -ItemType Directory $scratch | Out-Null
    Get-ChildItem $out -Filter 'NsPS.*.nupkg' | Remove-Item
    $homes = @{ HOME = $scratch; XDG_DATA_HOME = "$scratch/.local/share"; XDG_CONFIG_HOME = "$scratch/.config"; XDG_CACHE_HOME = "$scratch/.cache" }
    # .NET names a user folder only once it exists (otherwise '', and PSResourceGet would write to the current folder).
    $homes.Values | Where-Object { $_ -ne $scratch } | ForEach-Object { New-Item -ItemType Directory $_ | Out-Null }
    $saved = @{}
    foreach ($name in $homes.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-Item "env:$name" $homes[$name] }
    try {
        Invoke-Step 'package' { Invoke-Pwsh -File (Join-Path $root 'src/build/New-Package.ps1') -ModulePath $moduleOut -OutputPath $out }
    }
    finally {
        foreach ($name in $saved.Keys) { if ($null -eq $saved[$name]) { Remove-Item "env:$name" } else { Set-Item "env:$name" $saved[$name] } }
        Remove-Item $scratch -Recurse -Force
    }
}

# The .NET analyzers on src/NsPS (every file compiled again, so that each is analyzed), then cppcheck
# and clang-tidy on the launcher, as tests/Launcher.Tests.ps1 runs them. Lists every finding, then fails.
function Invoke-Analysis {
    $findings = [Collections.Generic.List[string]]::new()
    Write-Host '==> .NET analyzers (src/NsPS)' -ForegroundColor Cyan
    $log = dotnet build (Join-Path $root 'src/NsPS/NsPS.csproj') -c $Configuration -nologo -v quiet --no-incremental `
        -p:NsPSAnalyze=true -o (Join-Path $out 'analyze') 2>&1
    $exit = $LASTEXITCODE
    $diagnostics = @($log | ForEach-Object { "$_" -replace '\s+\[[^\]]*\.csproj\]$' } | Where-Object { $_ -match ': (error|warning) [A-Z]+\d+:' } |
            ForEach-Object { $_.Replace("$root/", '') } | Sort-Object -Unique)
    $diagnostics | ForEach-Object { $findings.Add($_) }
    if ($exit -and -not $diagnostics) { $log | Out-Host; $findings.Add("dotnet build failed with exit code $exit.") }
    $diagnostics | ForEach-Object { [regex]::Match($_, ': (?:error|warning) ([A-Z]+\d+):').Groups[1].Value } | Group-Object |
        Sort-Object Count -Descending | ForEach-Object { Write-Host ('{0,4} {1}' -f $_.Count, $_.Name) }

    Write-Host '==> cppcheck (src/launcher)' -ForegroundColor Cyan
    $r = Invoke-LauncherCppcheck
    if ($r.ExitCode -or $r.Error) { @("$($r.Output)$($r.Error)" -split "`n" | Where-Object { $_ }) + "cppcheck exited with $($r.ExitCode)." | ForEach-Object { $findings.Add($_) } }
    Write-Host '==> clang-tidy (src/launcher)' -ForegroundColor Cyan
    $r = Invoke-LauncherClangTidy
    if ($r.ExitCode -or $r.Output) { @("$($r.Output)" -split "`n" | Where-Object { $_ }) + "clang-tidy exited with $($r.ExitCode)." | ForEach-Object { $findings.Add($_) } }

    if ($findings.Count) {
        $findings | ForEach-Object { Write-Host $_ -ForegroundColor Red }
        throw "Analyze: $($findings.Count) findings, listed above ($($diagnostics.Count) of them from the .NET analyzers)."
    }
    Write-Host 'Analyze: no findings.'
}

# Each task: what it needs first, and what it does. Every task runs once, in the order asked, after what it needs.
$tasks = [ordered]@{
    Build   = @{ Needs = @(); Run = { Build-Module } }
    Test    = @{ Needs = @('Build'); Run = { Invoke-Tests $TestPath } }
    Soak    = @{
        Needs = @('Build')
        Run   = { $env:NSPS_CYCLES = '500'; try { Invoke-Tests @('Reliability.Tests.ps1') } finally { Remove-Item env:NSPS_CYCLES } }
    }
    Bench   = @{
        Needs = @('Build')
        Run   = {
            Invoke-Pwsh -File (Join-Path $root 'src/build/Invoke-Bench.ps1') -ModulePath (Join-Path $moduleOut 'NsPS.psd1')
            if ($LASTEXITCODE) { exit $LASTEXITCODE }
        }
    }
    Package = @{ Needs = @('Build'); Run = { Invoke-Package } }
    Analyze = @{ Needs = @(); Run = { Invoke-Analysis } }
    KernelCheck = @{ Needs = @('Build'); Run = { Invoke-KernelCheck } }
}
$Task = @($Task -split ',' | ForEach-Object Trim | Where-Object { $_ })
foreach ($t in $Task) { if (-not $tasks.Contains($t)) { throw "-Task $t is not one of $($tasks.Keys -join ', ')." } }
$done = [Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
function Invoke-Task([string] $Name) {
    if (-not $done.Add($Name)) { return }
    foreach ($need in $tasks[$Name].Needs) { Invoke-Task $need }
    & $tasks[$Name].Run
}
foreach ($t in $Task) { Invoke-Task $t }
