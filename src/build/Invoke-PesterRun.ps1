<#
.SYNOPSIS
    Runs the Pester tests (in a pwsh of its own) and writes a summary for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string[]] $TestPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$config = New-PesterConfiguration
$config.Run.Path = @($TestPath -split ",")
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
if ($ResultPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = $ResultPath
}
$result = Invoke-Pester -Configuration $config
# A container that failed to run (syntax error, failing BeforeAll) counts as a failure too.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -Path $SummaryPath
exit ([int]($failed -gt 0))
