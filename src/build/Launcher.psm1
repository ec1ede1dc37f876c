# The launcher's build and static checks, in one place for build.ps1 (Build and Analyze) and for
# tests/Launcher.Tests.ps1: its compile flags, its sources, and how cppcheck and clang-tidy are run on it.
Set-StrictMode -Version 3.0

$script:Src = Join-Path (Split-Path (Split-Path $PSScriptRoot -Parent) -Parent) 'src/launcher'

# The one list of the launcher's compile and link flags: warnings as errors and the hardening flags.
$script:Flags = @('-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-Wformat=2', '-Wshadow', '-Wconversion',
    '-D_GNU_SOURCE', '-D_FORTIFY_SOURCE=2', '-fstack-protector-strong', '-fPIE', '-pie', '-Wl,-z,relro,-z,now')

# The flags of the build of nsps-launcher (build.ps1 compiles src/launcher/*.c with them).
function Get-LauncherFlag { $script:Flags }

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

Export-ModuleMember -Function Get-LauncherFlag, Get-LauncherCompileFlag, Get-LauncherFuzzFlag, Get-LauncherSource, Find-Tool, Invoke-Tool,
    Invoke-LauncherCppcheck, Invoke-LauncherClangTidy
