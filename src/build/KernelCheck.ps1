<#
.SYNOPSIS
    Runs the Pester tests tagged KernelSmoke on Debian 12's stock 6.1 kernel, in qemu (TCG, no KVM needed),
    and writes their summary for build.ps1.
.DESCRIPTION
    Gets what it needs with apt-get (as root; once, then from the cache in -CachePath): qemu-system-x86,
    busybox-static, and the package linux-image-amd64 depends on (linux-image-6.1.0-<abi>-amd64), fetched
    with apt-get download and unpacked with dpkg -x into the cache, never installed. Makes an initramfs
    (cpio newc, gzip): busybox, the kernel's own modules for 9p over virtio and overlayfs (those the
    kernel has not built in, with what they depend on, in dependency order), src/build/kernelcheck/init as
    /init, and the guest's run script. The guest sees this machine's root read-only over 9p under a tmpfs
    overlay, so it runs this machine's dotnet, this pwsh, Pester and the built module, and writes only to
    memory; the summary and the NUnit result come back through a second 9p share, -ResultPath.

    The console of the guest is shown as it comes and kept in -ResultPath/console.log. The script fails
    (exit 1, with the reason) when the guest gives no summary: it never booted, a step of its init
    failed, or it ran out of -TimeoutMinutes (the guest powers itself off a minute before, qemu is
    killed at the limit).
#>
param(
    [Parameter(Mandatory)] [string] $RepoRoot,
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $CachePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Tag = 'KernelSmoke',
    # The Pester files or folders to look in for tagged tests, comma-separated full paths; of a folder, only
    # the *.Tests.ps1 files that name the tag run (a file there without it would only report "ran no test").
    [Parameter(Mandatory)] [string] $TestPath,
    [int] $TimeoutMinutes = 90,
    [int] $MemoryMiB = 6144,
    # The shell commands the guest runs in its root instead of the Pester run (to look at the guest).
    [string] $GuestCommand
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

function Invoke-Native([string] $Name) {
    & $Name @args
    if ($LASTEXITCODE) { throw "$Name $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

function Test-Installed([string] $Package) {
    (dpkg-query -W -f '${Status}' $Package 2>$null) -eq 'install ok installed'
}

# The kernel package that linux-image-amd64 depends on, as apt knows it now ($null when apt has no list of it).
function Get-KernelPackage {
    apt-cache depends linux-image-amd64 2>$null | ForEach-Object {
        if ($_ -match '^\s*Depends: (linux-image-\S+)$') { $Matches[1] }
    } | Select-Object -First 1
}

# qemu-system-x86 and busybox-static on this machine, and the 6.1 kernel unpacked into the cache:
# returns the kernel's folder (boot/vmlinuz-*, lib/modules/<release>).
function Get-Prerequisite {
    $missing = @('qemu-system-x86', 'busybox-static' | Where-Object { -not (Test-Installed $_) })
    $kernels = Join-Path $CachePath 'kernel'
    $package = Get-KernelPackage
    if ($missing -or -not $package -or -not (Test-Path (Join-Path $kernels "$package/boot"))) {
        Invoke-Native apt-get update -qq
        $package = Get-KernelPackage
    }
    if ($missing) {
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Native apt-get install -y -qq --no-install-recommends @missing
    }
    if ($package -notmatch '^linux-image-6\.1\.\d+-\d+-amd64$') {
        throw "linux-image-amd64 depends on '$package', not on Debian 12's 6.1 kernel (linux-image-6.1.0-<abi>-amd64): apt's sources are not Debian 12's."
    }
    $dir = Join-Path $kernels $package
    if (-not (Test-Path (Join-Path $dir 'boot'))) {
        $download = Join-Path $kernels 'download'
        if (Test-Path $download) { Remove-Item $download -Recurse -Force }
        New-Item -ItemType Directory $download | Out-Null
        Push-Location $download
        try { Invoke-Native apt-get download -qq $package } finally { Pop-Location }
        $deb = Get-ChildItem $download -Filter '*.deb' | Select-Object -First 1
        Invoke-Native dpkg -x $deb.FullName "$dir.partial"
        Move-Item "$dir.partial" $dir
        Remove-Item $download -Recurse -Force
    }
    return $dir
}

# The modules that give these names and everything they depend on, dependencies first; a module the
# kernel has built in is left out. Dependencies come from each module's .modinfo ("depends=a,b").
function Resolve-Module([string] $ModuleDir, [string[]] $Name) {
    $files = @{}
    Get-ChildItem (Join-Path $ModuleDir 'kernel') -Recurse -Filter '*.ko' | ForEach-Object { $files[$_.BaseName -replace '-', '_'] = $_.FullName }
    $builtin = @(Get-Content (Join-Path $ModuleDir 'modules.builtin') | ForEach-Object { [IO.Path]::GetFileNameWithoutExtension($_) -replace '-', '_' })
    $order = [Collections.Generic.List[string]]::new()
    $visit = {
        param([string] $module)
        $module = $module -replace '-', '_'
        if ($order.Contains($module) -or $module -in $builtin) { return }
        if (-not $files.ContainsKey($module)) { throw "The kernel has no module $module (neither built in nor in $ModuleDir)." }
        $text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($files[$module]))
        $depends = [regex]::Match($text, "depends=([^\x00]*)\x00").Groups[1].Value
        foreach ($d in $depends -split ',' | Where-Object { $_ }) { & $visit $d }
        $order.Add($module)
    }
    foreach ($n in $Name) { & $visit $n }
    return @($order | ForEach-Object { [pscustomobject]@{ Name = $_; Path = $files[$_] } })
}

# A cpio archive in the "newc" format, as the kernel unpacks an initramfs.
class NewcWriter {
    [IO.Stream] $Stream
    [int] $Inode = 1
    NewcWriter([IO.Stream] $stream) { $this.Stream = $stream }

    [void] Add([string] $name, [int] $mode, [byte[]] $data, [int] $rdevMajor, [int] $rdevMinor) {
        $nameBytes = [Text.Encoding]::UTF8.GetBytes($name + "`0")
        $fields = @($this.Inode++, $mode, 0, 0, 1, 0, $data.Length, 0, 0, $rdevMajor, $rdevMinor, $nameBytes.Length, 0)
        $header = '070701' + (($fields | ForEach-Object { '{0:X8}' -f $_ }) -join '')
        $this.Write([Text.Encoding]::ASCII.GetBytes($header))
        $this.Write($nameBytes)
        $this.Pad()
        $this.Write($data)
        $this.Pad()
    }
    [void] Directory([string] $name) { $this.Add($name, 0x4000 -bor 0x1ED, [byte[]]@(), 0, 0) }
    [void] File([string] $name, [int] $permissions, [byte[]] $data) { $this.Add($name, 0x8000 -bor $permissions, $data, 0, 0) }
    [void] CharDevice([string] $name, [int] $permissions, [int] $major, [int] $minor) { $this.Add($name, 0x2000 -bor $permissions, [byte[]]@(), $major, $minor) }
    [void] Close() { $this.Add('TRAILER!!!', 0, [byte[]]@(), 0, 0) }
    hidden [void] Write([byte[]] $bytes) { $this.Stream.Write($bytes, 0, $bytes.Length) }
    hidden [void] Pad() { while ($this.Stream.Position % 4) { $this.Stream.WriteByte(0) } }
}

# The initramfs: busybox, the modules (and their order in /etc/kernelcheck/modules), /init and the run script.
function New-Initramfs([string] $Path, [object[]] $Module, [string] $RunScript) {
    $unix = [Text.UTF8Encoding]::new($false)
    $buffer = [IO.MemoryStream]::new()
    $cpio = [NewcWriter]::new($buffer)
    '.', 'bin', 'dev', 'proc', 'sys', 'etc', 'etc/kernelcheck', 'lib', 'lib/modules' | ForEach-Object { $cpio.Directory($_) }
    $cpio.CharDevice('dev/console', 0x180, 5, 1)   # the kernel opens it for /init's stdio, before devtmpfs
    $cpio.File('bin/busybox', 0x1ED, [IO.File]::ReadAllBytes('/bin/busybox'))
    $cpio.File('init', 0x1ED, [IO.File]::ReadAllBytes((Join-Path $PSScriptRoot 'kernelcheck/init')))
    foreach ($m in $Module) { $cpio.File("lib/modules/$($m.Name).ko", 0x1A4, [IO.File]::ReadAllBytes($m.Path)) }
    $cpio.File('etc/kernelcheck/modules', 0x1A4, $unix.GetBytes((($Module.Name | ForEach-Object { "$_`n" }) -join '')))
    $cpio.File('etc/kernelcheck/run', 0x1A4, $unix.GetBytes($RunScript.Replace("`r`n", "`n")))
    $cpio.Close()
    $file = [IO.File]::Create($Path)
    try {
        $gzip = [IO.Compression.GZipStream]::new($file, [IO.Compression.CompressionLevel]::Fastest)
        $buffer.Position = 0
        $buffer.CopyTo($gzip)
        $gzip.Dispose()
    }
    finally { $file.Dispose() }
}

function ConvertTo-ShellWord([string] $Text) { "'" + $Text.Replace("'", "'\''") + "'" }

# What the guest runs in its root: the Pester run with this pwsh, as root, from the repository.
function Get-RunScript {
    $pwsh = @([Environment]::ProcessPath) + @(if ((Split-Path ([Environment]::ProcessPath) -Leaf) -match '^dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $tests = @($TestPath -split ',' | Where-Object { $_ } | ForEach-Object {
            if (Test-Path $_ -PathType Container) {
                Get-ChildItem $_ -Recurse -Filter '*.Tests.ps1' | Where-Object { Select-String -LiteralPath $_.FullName -SimpleMatch "'$Tag'" -Quiet } | ForEach-Object FullName
            }
            else { $_ }
        })
    if (-not $tests) { throw "No Pester file in $TestPath has a test tagged $Tag." }
    $command = if ($GuestCommand) { $GuestCommand } else {
        $pester = @($pwsh) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'src/build/Invoke-PesterRun.ps1'),
            '-PesterPath', $PesterPath, '-TestPath', ($tests -join ','), '-Tag', $Tag,
            '-SummaryPath', '/run/kernelcheck/pester.json', '-ResultPath', '/run/kernelcheck/pester.xml')
        # No terminal, as under CI (and no progress bars on the console).
        (($pester | ForEach-Object { ConvertTo-ShellWord $_ }) -join ' ') + ' </dev/null 2>&1 | cat'
    }
    @"
export HOME=/root USER=root LOGNAME=root TERM=dumb LANG=C.UTF-8
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
cd $(ConvertTo-ShellWord $RepoRoot) || exit 1
echo "kernelcheck: run starts, up `$(cut -d' ' -f1 /proc/uptime)s"
$command
"@
}

$kernel = Get-Prerequisite
$release = (Get-ChildItem (Join-Path $kernel 'lib/modules') -Directory | Select-Object -First 1).Name
$vmlinuz = Join-Path $kernel "boot/vmlinuz-$release"
# 9p over virtio and overlayfs for the root; veth for the tests that make veth pairs (the guest's root has no
# 6.1 modules and no modprobe for the kernel to load one on demand).
$modules = Resolve-Module (Join-Path $kernel "lib/modules/$release") 'virtio_pci', '9pnet_virtio', '9p', 'overlay', 'veth'
Write-Host "kernel $release; modules: $($modules.Name -join ', ')"

if (Test-Path $ResultPath) { Remove-Item $ResultPath -Recurse -Force }
New-Item -ItemType Directory $ResultPath | Out-Null
$initramfs = Join-Path $CachePath 'initramfs.gz'
New-Initramfs $initramfs $modules (Get-RunScript)

$guestTimeout = [Math]::Max(60, $TimeoutMinutes * 60 - 60)
$qemu = @(
    '-accel', 'tcg,thread=multi', '-cpu', 'max', '-smp', '2', '-m', "$MemoryMiB", '-nographic', '-no-reboot', '-nic', 'none',
    '-kernel', $vmlinuz, '-initrd', $initramfs,
    '-append', "console=ttyS0 loglevel=4 panic=-1 kernelcheck.timeout=$guestTimeout",
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap',
    '-virtfs', "local,path=$ResultPath,mount_tag=results,security_model=passthrough,multidevs=remap"
)
Write-Host "qemu-system-x86_64 $($qemu -join ' ')"
$psi = [Diagnostics.ProcessStartInfo]::new('qemu-system-x86_64')
$qemu | ForEach-Object { $psi.ArgumentList.Add($_) }
$psi.RedirectStandardInput = $true
$psi.RedirectStandardOutput = $true
$psi.RedirectStandardError = $true
$psi.UseShellExecute = $false
$log = [IO.StreamWriter]::new((Join-Path $ResultPath 'console.log'))
$sw = [Diagnostics.Stopwatch]::StartNew()
$process = [Diagnostics.Process]::Start($psi)
$errors = $process.StandardError.ReadToEndAsync()
$timedOut = $false
try {
    $reader = $process.StandardOutput
    $line = $reader.ReadLineAsync()
    while ($true) {
        $left = $TimeoutMinutes * 60000 - $sw.ElapsedMilliseconds
        if ($left -le 0 -or -not $line.Wait([int][Math]::Min($left, [int]::MaxValue))) { $timedOut = $true; break }
        if ($null -eq $line.Result) { break }
        $text = $line.Result -replace "`r$", ''
        $log.WriteLine($text); $log.Flush()
        Write-Host $text
        $line = $reader.ReadLineAsync()
    }
}
finally {
    if (-not $process.HasExited) { $process.Kill($true) }
    $process.WaitForExit()
    $log.Dispose()
}
$elapsed = $sw.Elapsed
Write-Host ('KernelCheck: the guest ran for {0:mm\:ss} (qemu exit code {1})' -f $elapsed, $process.ExitCode)
$stderr = $errors.Result
if ($stderr) { Write-Host $stderr -ForegroundColor Yellow }
if ($timedOut) { Write-Host "KernelCheck: no result within $TimeoutMinutes minutes; qemu was killed." -ForegroundColor Red; exit 1 }
if (-not (Test-Path (Join-Path $ResultPath 'pester.json'))) {
    Write-Host "KernelCheck: the guest wrote no Pester summary; see its console above (kept in $(Join-Path $ResultPath 'console.log'))." -ForegroundColor Red
    exit 1
}
exit 0
