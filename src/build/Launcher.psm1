# The launcher's build and static checks, in one place for build.ps1 (Build and Analyze) and for
# tests/Launcher.Tests.ps1: its compile flags, its sources, and how cppcheck and clang-tidy are run on it.
Set-StrictMode -Version 3.0

$script:Src = Join-Path (Split-Path (Split-Path $PSScriptRoot -Parent) -Parent) 'src/launcher'

# The one list of the launcher's compile and link flags: warnings as errors and the hardening flags.
$script:Flags = @('-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-Wformat=2', '-Wshadow', '-Wconversion',
    '-D_GNU_SOURCE', '-D_FORTIFY_SOURCE=2', '-fstack-protector-strong', '-fPIE', '-pie', '-Wl,-z,relro,-z,now')

# The flags of a build of nsps-launcher against the system's libc (the checks build it so).
function Get-LauncherFlag { $script:Flags }

# The architectures the module ships a launcher for: runtime identifier -> machine (of the GNU triplets),
# Debian architecture.
$script:Runtimes = [ordered]@{
    'linux-x64'   = @{ Machine = 'x86_64'; Debian = 'amd64' }
    'linux-arm64' = @{ Machine = 'aarch64'; Debian = 'arm64' }
}
$script:Out = Join-Path (Split-Path (Split-Path $PSScriptRoot -Parent) -Parent) 'out'

function Get-LauncherRuntime { @($script:Runtimes.Keys) }

# The flags of the launchers that ship (build.ps1 compiles src/launcher/*.c with them, once per architecture):
# the same flags, linked as a static PIE against musl, so that one file runs on glibc and musl systems alike,
# with no interpreter and no library to load.
function Get-LauncherStaticFlag { $script:Flags | ForEach-Object { if ($_ -eq '-pie') { '-static-pie' } else { $_ } } }

# Installs what the static builds need and the machine lacks, as root with apt-get (a fresh Debian machine
# has only gcc): musl-tools (musl for x64), the arm64 cross compiler, and arm64 known to dpkg so that
# musl-dev:arm64 can be fetched. Elsewhere it leaves the machine alone: Get-LauncherToolchain then says
# what to install.
function Install-LauncherToolchain {
    $packages = @()
    if (-not (Test-Path '/usr/lib/x86_64-linux-musl/rcrt1.o') -and -not (Test-Path (Join-Path $script:Out 'musl/linux-x64/usr/lib/x86_64-linux-musl/rcrt1.o'))) { $packages += 'musl-tools' }
    foreach ($rid in Get-LauncherRuntime) {
        $r = $script:Runtimes[$rid]
        if (-not (Find-Tool "$($r.Machine)-linux-gnu-gcc")) { $packages += "gcc-$($r.Machine -replace '_', '-')-linux-gnu" }
    }
    $foreign = (Find-Tool 'dpkg') -and -not ((& dpkg --print-foreign-architectures) -contains 'arm64') -and
        -not (Test-Path (Join-Path $script:Out 'musl/linux-arm64/usr/lib/aarch64-linux-musl/rcrt1.o'))
    if (-not $packages -and -not $foreign) { return }
    $root = (& id -u) -eq '0'
    if (-not $root -or -not (Find-Tool 'apt-get')) { return }
    Write-Host "==> installing the launchers' toolchains: $(@($packages) + @(if ($foreign) { 'arm64 packages for dpkg' }) -join ', ')"
    if ($foreign) { & dpkg --add-architecture arm64 }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq | Out-Null
    if ($LASTEXITCODE) { throw 'apt-get update failed.' }
    if ($packages) {
        & apt-get install -y -qq @packages | Out-Null
        if ($LASTEXITCODE) { throw "apt-get install $packages failed." }
    }
}

# musl's headers and library for an architecture: the system's (musl-dev of that architecture, which
# musl-tools brings for the machine's own), or else the Debian package musl-dev:<arch> unpacked into
# out/musl/<rid> (apt-get download needs the architecture known to dpkg: dpkg --add-architecture arm64).
function Get-MuslRoot([string] $RuntimeId) {
    $r = $script:Runtimes[$RuntimeId]
    if (-not $r) { throw "No launcher build for $RuntimeId (known: $(Get-LauncherRuntime))." }
    $unpacked = Join-Path $script:Out "musl/$RuntimeId"
    foreach ($usr in '/usr', "$unpacked/usr") {
        $lib = "$usr/lib/$($r.Machine)-linux-musl"
        if (Test-Path "$lib/rcrt1.o") { return [pscustomobject]@{ Include = "$usr/include/$($r.Machine)-linux-musl"; Lib = $lib } }
    }
    $how = "apt-get install musl-tools on $($r.Debian), or dpkg --add-architecture $($r.Debian); apt-get update; then build again (it fetches musl-dev:$($r.Debian))"
    if (-not (Find-Tool 'apt-get')) { throw "musl for $RuntimeId is missing: $how." }
    New-Item -ItemType Directory -Force $unpacked | Out-Null
    $got = Invoke-Tool 'sh' @('-c', "cd '$unpacked' && apt-get download musl-dev:$($r.Debian) && dpkg -x musl-dev_*_$($r.Debian).deb .")
    if ($got.ExitCode -or -not (Test-Path "$unpacked/usr/lib/$($r.Machine)-linux-musl/rcrt1.o")) {
        throw "musl for $RuntimeId is missing and could not be fetched ($($got.Error.Trim())): $how."
    }
    Get-MuslRoot $RuntimeId
}

# The compiler and the gcc specs file of the static build for an architecture: <machine>-linux-gnu-gcc with
# musl's headers, start files and library in place of glibc's (a specs file like musl-gcc's, which links
# static PIEs, as musl-gcc's does not).
function Get-LauncherToolchain([string] $RuntimeId) {
    $r = $script:Runtimes[$RuntimeId]
    $musl = Get-MuslRoot $RuntimeId
    $gcc = Find-Tool "$($r.Machine)-linux-gnu-gcc"
    if (-not $gcc) { throw "$($r.Machine)-linux-gnu-gcc is missing (Debian: apt-get install gcc-$($r.Machine -replace '_', '-')-linux-gnu, or gcc on $($r.Debian))." }
    $specs = Join-Path $script:Out "musl/$RuntimeId.specs"
    New-Item -ItemType Directory -Force (Split-Path $specs) | Out-Null
    Set-Content -LiteralPath $specs -Value @"
%rename cpp_options old_cpp_options

*cpp_options:
-nostdinc -isystem $($musl.Include) -isystem include%s %(old_cpp_options)

*cc1:
%(cc1_cpu) -nostdinc -isystem $($musl.Include) -isystem include%s

*link_libgcc:
-L$($musl.Lib) -L .%s

*libgcc:
libgcc.a%s %:if-exists(libgcc_eh.a%s)

*startfile:
$($musl.Lib)/rcrt1.o $($musl.Lib)/crti.o crtbeginS.o%s

*endfile:
crtendS.o%s $($musl.Lib)/crtn.o

*link:
-static -pie --no-dynamic-linker -z text -nostdlib

"@
    [pscustomobject]@{ Compiler = $gcc; Flags = @("-specs=$specs") }
}

# Builds the static launcher of an architecture into a file; fails with the compiler's words.
function Build-Launcher([string] $RuntimeId, [string] $OutputPath) {
    $t = Get-LauncherToolchain $RuntimeId
    New-Item -ItemType Directory -Force (Split-Path $OutputPath) | Out-Null
    $r = Invoke-Tool $t.Compiler (@($t.Flags) + @(Get-LauncherStaticFlag) + @('-o', $OutputPath) + @(Get-LauncherSource))
    if ($r.ExitCode -or $r.Error) { throw "The $RuntimeId launcher did not build:`n$($r.Output)$($r.Error)" }
}

# The same flags for a compile only (no link flags, no -Werror: a checker reports warnings itself), and
# without _FORTIFY_SOURCE with -NoFortify (fortified builds hide the libc calls behind builtins).
function Get-LauncherCompileFlag([switch] $NoFortify) {
    $script:Flags | Where-Object {
        $_ -ne '-pie' -and $_ -notlike '-Wl,*' -and $_ -ne '-Werror' -and -not ($NoFortify -and $_ -like '-D_FORTIFY_SOURCE*')
    }
}

# The flags of the libFuzzer build of the message parser (src/launcher/fuzz/fuzz_request.c with request.c).
function Get-LauncherFuzzFlag {
    '-std=c11', '-g', '-O1', '-Wall', '-Wextra', '-Werror', '-D_GNU_SOURCE', "-I$script:Src",
    '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all'
}

# The C sources of the launcher binary, sorted by name; with -Fuzz also those of its fuzz harness and test driver.
function Get-LauncherSource([switch] $Fuzz) {
    $files = @(Get-ChildItem $script:Src -Filter *.c | Sort-Object Name)
    if ($Fuzz) { $files += @(Get-ChildItem (Join-Path $script:Src 'fuzz') -Filter *.c | Sort-Object Name) }
    if (-not $files) { throw "$script:Src has no C sources." }
    $files.FullName
}

# The first of these commands that exists, or $null.
function Find-Tool([string[]] $Name) {
    foreach ($n in $Name) {
        $c = Get-Command $n -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if ($c) { return $c.Source }
    }
    $null
}

# Runs a program directly (no shell), both output streams captured apart; kills it after the timeout.
function Invoke-Tool([string] $FilePath, [string[]] $ArgumentList, [int] $TimeoutMs = 120000) {
    $psi = [Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $p = [Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit($TimeoutMs)) {
        $p.Kill($true)
        $p.WaitForExit()
        throw "$FilePath did not end within $TimeoutMs ms."
    }
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.Result; Error = $err.Result }
}

# cppcheck on the given files (by default the launcher, its fuzz harness and its test driver): fails
# (exit code 1) on any finding, which it writes to Error.
function Invoke-LauncherCppcheck([string[]] $Path = (Get-LauncherSource -Fuzz)) {
    Invoke-Tool cppcheck (@('--enable=warning,style,performance,portability', '--inconclusive', '--error-exitcode=1',
            '--std=c11', '-D_GNU_SOURCE', '--library=posix', '--inline-suppr', '--quiet', "-I$script:Src") + $Path)
}

# clang-tidy with src/launcher/.clang-tidy on the given files (by default the launcher's sources), with
# the build's compile flags less _FORTIFY_SOURCE: fails on any finding, which it writes to Output.
function Invoke-LauncherClangTidy([string[]] $Path = (Get-LauncherSource)) {
    $tidy = Find-Tool 'clang-tidy', 'clang-tidy-14', 'clang-tidy-15', 'clang-tidy-16'
    if (-not $tidy) { throw 'clang-tidy is missing (Debian: apt-get install clang-tidy).' }
    Invoke-Tool $tidy (@("--config-file=$(Join-Path $script:Src '.clang-tidy')", '-warnings-as-errors=*', '--quiet') +
        $Path + @('--') + @(Get-LauncherCompileFlag -NoFortify))
}

Export-ModuleMember -Function Install-LauncherToolchain, Get-LauncherFlag, Get-LauncherRuntime, Get-LauncherStaticFlag, Get-LauncherToolchain, Build-Launcher, Get-LauncherCompileFlag, Get-LauncherFuzzFlag, Get-LauncherSource, Find-Tool, Invoke-Tool,
    Invoke-LauncherCppcheck, Invoke-LauncherClangTidy
