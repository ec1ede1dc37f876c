<#
.SYNOPSIS
    Fuzzes the launcher's message parser for longer than the test task does.
.DESCRIPTION
    Builds src/launcher/fuzz/fuzz_request.c with request.c under libFuzzer, AddressSanitizer and
    UndefinedBehaviorSanitizer (clang; Debian: clang-14 libclang-rt-14-dev) into out/launcher-fuzz,
    and runs it from the seed corpus for -Seconds. What the fuzzer finds stays in
    out/launcher-fuzz/corpus between runs; a crash is written to out/launcher-fuzz/artifacts and
    makes the script fail. With -Merge, the inputs that add coverage are merged into the seed
    corpus in the repository (src/launcher/fuzz/corpus) for review.
    tests/Launcher.Tests.ps1 runs the same harness for 20 seconds in the test task.
.EXAMPLE
    dotnet pwsh src/build/Test-Launcher.ps1 -Seconds 600 -Jobs 4
#>
[CmdletBinding()]
param(
    [int] $Seconds = 300,
    [int] $Jobs = 1,
    [switch] $Merge
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
$src = Join-Path $root 'src/launcher'
$seeds = Join-Path $src 'fuzz/corpus'
$dir = Join-Path $root 'out/launcher-fuzz'
New-Item -ItemType Directory -Force (Join-Path $dir 'corpus'), (Join-Path $dir 'artifacts') | Out-Null

Import-Module (Join-Path $PSScriptRoot 'Launcher.psm1') -Force
$clang = Find-Tool 'clang', 'clang-14', 'clang-15', 'clang-16'
if (-not $clang) { throw 'clang is missing (Debian: apt-get install clang-14 libclang-rt-14-dev).' }
$fuzzer = Join-Path $dir 'fuzz_request'
& $clang @(Get-LauncherFuzzFlag) -o $fuzzer (Join-Path $src 'fuzz/fuzz_request.c') (Join-Path $src 'request.c')
if ($LASTEXITCODE) { throw "The fuzz harness did not build (libFuzzer comes with libclang-rt-14-dev)." }

& $fuzzer "-dict=$(Join-Path $src 'fuzz/request.dict')" "-max_total_time=$Seconds" -max_len=8192 -timeout=10 `
    "-jobs=$Jobs" "-workers=$Jobs" -print_final_stats=1 "-artifact_prefix=$dir/artifacts/" (Join-Path $dir 'corpus') $seeds
$status = $LASTEXITCODE
$crashes = @(Get-ChildItem (Join-Path $dir 'artifacts') -File)
if ($status -or $crashes) { throw "The fuzzer failed (exit $status): $($crashes.FullName -join ', ')" }

if ($Merge) {
    & $fuzzer -merge=1 $seeds (Join-Path $dir 'corpus')
    if ($LASTEXITCODE) { throw "Merging into $seeds failed." }
    Write-Host "New seeds are in $seeds (named by their SHA-1): review them and rename them by what they are (bad-*, create-*, enter-*, control-*)."
}
