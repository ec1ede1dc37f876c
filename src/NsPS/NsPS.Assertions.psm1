# The Pester assertions shipped with NsPS (Should -ShareNamespace, Should -BeInNamespace; NsPS.Assertions.ps1).
# They are registered with Pester's Add-ShouldOperator when NsPS is imported while Pester is loaded
# (Import-Module Pester first; inside Invoke-Pester, Pester is always loaded). Registering again, on a
# second import, is a no-op: Pester ignores an operator identical to one it already has.
# Without Pester there is nothing to register, and the assertions are not even read: Import-Module NsPS
# does not pay for them. On another system NsPS.dll refuses the import right after this; nothing is
# registered there either.
# This module exports nothing; the manifest's FunctionsToExport is empty.
if ((Get-Module Pester) -and $IsLinux -and (Test-Path -LiteralPath /proc/self/ns)) {
    . (Join-Path $PSScriptRoot 'NsPS.Assertions.ps1')
    Register-NsPSShouldOperator
}
