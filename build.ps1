<#
.SYNOPSIS
    Builds, tests and benchmarks the NsPS module.
.DESCRIPTION
    Build (default): compiles the module and the launcher into out/NsPS, a complete module folder.
    Test:  builds, then runs the xunit tests and the Pester tests against the built module, lists every
           skipped test with the reason it names, and ends with one line "N passed, N failed, N skipped"
           counting both. With $env:CI = 'true' a skip that names no reason, and a Pester file that runs
           no test, count as failed.
    Bench: builds, then runs the benchmarks against the real tools (lsns, ip netns, unshare, nsenter).
    Soak:  builds, then runs the reliability suite with 500 cycles instead of 50.
    A failing step stops the script with a non-zero exit code.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Bench', 'Soak')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tests to run (paths or file names under tests/); all by default.
    [string[]] $TestPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'NsPS'

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
    $rid = Get-RuntimeId
    $publish = Join-Path $out "publish/$rid"
    Invoke-Step "dotnet publish NsPS ($Configuration, $rid)" {
        dotnet publish (Join-Path $root 'src/NsPS/NsPS.csproj') -c $Configuration -r $rid --self-contained false `
            -o $publish -nologo -v quiet -p:UseAppHost=false
    }
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    New-Item -ItemType Directory $moduleOut | Out-Null
    Copy-Item (Join-Path $root 'NsPS.psd1') $moduleOut
    Copy-Item (Join-Path $root 'src/NsPS/NsPS.Format.ps1xml'), (Join-Path $root 'src/NsPS/NsPS.Types.ps1xml'), (Join-Path $root 'src/NsPS/NsPS.Assertions.psm1') $moduleOut
    Copy-Item (Join-Path $root 'LICENSE') $moduleOut
    Copy-Item (Join-Path $publish 'NsPS.dll'), (Join-Path $publish 'Tmds.LibC.dll') $moduleOut

    # The launcher and the help are part of the module: a missing source fails the build.
    $launcherSource = Get-ChildItem (Join-Path $root 'src/launcher') -Filter *.c
    if (-not $launcherSource) { throw 'src/launcher has no C sources.' }
    $cc = if ($env:CC) { $env:CC } else { 'cc' }
    $flags = @('-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-Wformat=2', '-Wshadow', '-Wconversion',
        '-D_GNU_SOURCE', '-D_FORTIFY_SOURCE=2', '-fstack-protector-strong', '-fPIE', '-pie', '-Wl,-z,relro,-z,now')
    Invoke-Step "$cc nsps-launcher" {
        & $cc @flags -o (Join-Path $moduleOut 'nsps-launcher') @($launcherSource.FullName)
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

function Invoke-Tests {
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
    $paths = if ($TestPath) {
        $TestPath -split ',' | Where-Object { $_ } | ForEach-Object { if (Test-Path $_) { (Resolve-Path $_).Path } else { Join-Path $root "tests/$_" } }
    } else { @(Join-Path $root 'tests') }
    Invoke-Pwsh -File (Join-Path $root 'src/build/Invoke-PesterRun.ps1') `
        -PesterPath $pester -TestPath ($paths -join ",") -SummaryPath $summary -ResultPath (Join-Path $results 'pester.xml')
    # No summary, or a run that found no test, counts as a failure.
    $pesterRun = [pscustomobject]@{ Name = 'Pester'; Passed = 0; Failed = 1; Skipped = @(); Idle = @() }
    if (Test-Path $summary) {
        $s = Get-Content -Raw $summary | ConvertFrom-Json
        if ($null -ne $s.Passed -and ([int]$s.Passed + [int]$s.Failed + @($s.Skipped).Count) -gt 0) {
            $pesterRun.Passed = [int]$s.Passed; $pesterRun.Failed = [int]$s.Failed
            $pesterRun.Skipped = @($s.Skipped); $pesterRun.Idle = @($s.Idle)
        }
    }

    # What did not run is always listed, with the reason its test names. Under CI (root, no terminal)
    # a skip that names no reason, and a Pester file that ran no test, count as failed.
    $ci = $env:CI -eq 'true'
    foreach ($part in $xunit, $pesterRun) {
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
    $passed = $xunit.Passed + $pesterRun.Passed
    $failed = $xunit.Failed + $pesterRun.Failed
    Write-Host "$passed passed, $failed failed, $($xunit.Skipped.Count + $pesterRun.Skipped.Count) skipped"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

switch ($Task) {
    'Build' {
        Build-Module
    }
    'Test' {
        Build-Module
        Invoke-Tests
    }
    'Soak' {
        Build-Module
        $env:NSPS_CYCLES = '500'
        $TestPath = @('Reliability.Tests.ps1')
        Invoke-Tests
    }
    'Bench' {
        Build-Module
        Invoke-Pwsh -File (Join-Path $root 'src/build/Invoke-Bench.ps1') -ModulePath (Join-Path $moduleOut 'NsPS.psd1')
        if ($LASTEXITCODE) { exit $LASTEXITCODE }
    }
}
