<#
.SYNOPSIS
    Runs the Pester tests (in a pwsh of its own) and writes a summary for build.ps1.
.DESCRIPTION
    The summary (JSON) has Passed and Failed counts, Skipped (every skipped test with the reason it
    names, or none) and Idle (every file that ran no test). build.ps1 lists them and applies the rules
    of CI to them.

    A test names why it is skipped in one of two ways:
    - at run time, Set-ItResult -Skipped -Because 'reason' (Pester keeps the reason in the test's
      ErrorRecord: "is skipped, because reason");
    - at discovery, -Skip:(condition) on It, Context or Describe together with a tag
      'SkipBecause: reason' on the same It or on a block around it (Pester's -Skip carries no reason).
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string[]] $TestPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $ResultPath,
    # Only the tests with one of these tags (and the blocks around them), as Invoke-Pester -Tag.
    [string[]] $Tag
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$config = New-PesterConfiguration
$config.Run.Path = @($TestPath -split ",")
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
if ($Tag) { $config.Filter.Tag = $Tag }
if ($ResultPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = $ResultPath
}
$result = Invoke-Pester -Configuration $config

# The reason a skipped test names: from Set-ItResult -Because, else from a SkipBecause tag on it or a block around it.
function Get-SkipReason($Test) {
    foreach ($record in $Test.ErrorRecord) {
        if ($record.FullyQualifiedErrorId -eq 'PesterTestSkipped' -and "$record" -match '^is skipped, because (.+)$') { return $Matches[1] }
    }
    $tags = @($Test.Tag) + @(for ($block = $Test.Block; $block; $block = $block.Parent) { $block.Tag })
    foreach ($tag in $tags) {
        if ("$tag" -match '^SkipBecause:\s*(\S.*)$') { return $Matches[1] }
    }
    return ''
}

# A container that failed to run (syntax error, failing BeforeAll) counts as a failure too.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $failed
    Skipped = @($result.Skipped | ForEach-Object {
            [pscustomobject]@{ Name = "$(Split-Path $_.Block.BlockContainer.Item -Leaf): $($_.ExpandedPath)"; Reason = Get-SkipReason $_ }
        })
    # Files that ran no test (a file that failed to run is counted as failed above already).
    Idle    = @($result.Containers | Where-Object { $_.Result -ne 'Failed' -and $_.PassedCount + $_.FailedCount -eq 0 } | ForEach-Object { "$($_.Item)" })
} | ConvertTo-Json -Depth 3 | Set-Content -Path $SummaryPath
exit ([int]($failed -gt 0))
