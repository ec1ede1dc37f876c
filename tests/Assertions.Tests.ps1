#Requires -Version 7.4
# The Pester assertions NsPS ships (Should -ShareNamespace, Should -BeInNamespace), how they are
# registered, and the example suites of examples/, run for real.

BeforeAll {
    . $PSScriptRoot/common.ps1

    # A process in new net and uts namespaces, made by unshare; this pwsh stands for the host.
    $script:Boxed = Start-Background unshare @('--net', '--uts', 'sleep', '600')
    Wait-Until { (Get-Content "/proc/$($Boxed.Id)/comm" -ErrorAction Ignore) -eq 'sleep' }
    $script:Link = @{}
    foreach ($kind in 'net', 'uts', 'ipc') {
        $Link["box-$kind"] = (Get-Item "/proc/$($Boxed.Id)/ns/$kind").LinkTarget
        $Link["self-$kind"] = (Get-Item "/proc/$PID/ns/$kind").LinkTarget
    }
    $script:SelfLabel = "process $PID ($(Get-Content /proc/$PID/comm))"
    $script:BoxLabel = "process $($Boxed.Id) (sleep)"

    # The message of the failure of an assertion.
    function Get-FailureMessage([scriptblock] $Assertion) {
        try { & $Assertion } catch { return $_.Exception.Message }
        throw 'The assertion did not fail.'
    }

    $script:PesterManifest = (Get-Module Pester).Path -replace '\.psm1$', '.psd1'

    # One child pwsh (Pester takes a while to load) for what needs a session of its own: the order of
    # the imports, and the example suites of examples/, run for real with NsPS found by name.
    $examples = Join-Path $RepoRoot 'examples'
    $modules = Split-Path (Split-Path $ModuleManifest)
    $out = Invoke-Child @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModuleManifest'
Import-Module '$PesterManifest'
'before:' + [bool](Get-ShouldOperator | Where-Object Name -eq ShareNamespace)
Import-Module '$ModuleManifest' -Force 3>&1
'after:' + [bool](Get-ShouldOperator | Where-Object Name -eq ShareNamespace)
Import-Module '$ModuleManifest' -Force 3>&1
Remove-Module NsPS; Import-Module '$ModuleManifest' 3>&1
`$PID | Should -ShareNamespace Net -With `$PID
'works'
'--- examples'
Remove-Module NsPS
`$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath
`$r = Invoke-Pester -Path '$examples' -PassThru -Output None
'passed:' + `$r.PassedCount
'failed:' + (`$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount)
'skipped:' + `$r.SkippedCount
`$r.Failed | ForEach-Object { 'FAILED ' + `$_.ExpandedPath + ': ' + `$_.ErrorRecord }
"@
    $split = [array]::IndexOf($out, '--- examples')
    $script:Child = @{
        Registration = @($out | Select-Object -First $split)
        Examples     = @($out | Select-Object -Skip ($split + 1))
    }
}

AfterAll {
    if (Get-Command Stop-Tree -ErrorAction Ignore) { Stop-Tree $Boxed }
}

Describe 'Registration' {
    It 'adds ShareNamespace and BeInNamespace to the Pester that was loaded before NsPS' {
        $names = (Get-ShouldOperator).Name
        $names | Should -Contain 'ShareNamespace'
        $names | Should -Contain 'BeInNamespace'
    }

    It 'exports none of its functions' {
        Get-Command Test-NsPSShareNamespace, Register-NsPSShouldOperator -ErrorAction Ignore | Should -BeNullOrEmpty
    }

    It 'registers when NsPS is imported after Pester, again without complaint, and after -Force when imported before' {
        $Child.Registration | Should -Be @('before:False', 'after:True', 'works')
    }
}

Describe 'Should -ShareNamespace' {
    It 'passes for processes in the same namespace' {
        $PID | Should -ShareNamespace Ipc -With $Boxed.Id
        Get-Process -Id $PID | Should -ShareNamespace Ipc, Mount -With (Get-Process -Id $Boxed.Id)
        "$PID" | Should -ShareNamespace -Type Ipc -With "$($Boxed.Id)"
    }

    It 'fails for processes in different namespaces, naming both namespaces and both processes' {
        $message = Get-FailureMessage { $Boxed.Id | Should -ShareNamespace Net -With $PID }
        $message | Should -Be "Expected $BoxLabel to share the net namespace with $SelfLabel, but $($Boxed.Id) is in $($Link['box-net']) and $PID in $($Link['self-net'])."
    }

    It 'passes with -Not for processes in different namespaces' {
        $Boxed.Id | Should -Not -ShareNamespace Net -With $PID
        $Boxed.Id | Should -Not -ShareNamespace Net, Uts -With $PID
    }

    It 'fails with -Not when one of the kinds is shared, and says which' {
        $message = Get-FailureMessage { $Boxed.Id | Should -Not -ShareNamespace Net, Uts, Ipc -With $PID -Because 'it is a sandbox' }
        $message | Should -Be "Expected $BoxLabel not to share the net, uts, ipc namespaces with $SelfLabel, because it is a sandbox, but both are in $($Link['self-ipc'])."
    }

    It 'compares all eight kinds when -Type is not given' {
        $PID | Should -ShareNamespace -With $PID
        $message = Get-FailureMessage { $Boxed.Id | Should -ShareNamespace -With $PID }
        $message | Should -Match ([regex]::Escape("$($Boxed.Id) is in $($Link['box-net']) and $PID in $($Link['self-net'])"))
        $message | Should -Match ([regex]::Escape("$($Boxed.Id) is in $($Link['box-uts']) and $PID in $($Link['self-uts'])"))
        $message | Should -Not -Match 'ipc:'
    }

    It 'fails for a process that does not exist' {
        Get-FailureMessage { 999999999 | Should -ShareNamespace Net -With $PID } |
            Should -Be "Expected process 999999999 to share namespaces with $SelfLabel, but there is no process 999999999."
    }

    It 'refuses what is not a process' {
        { 'web' | Should -ShareNamespace Net -With $PID } | Should -Throw -ExceptionType ([System.ArgumentException]) -ExpectedMessage '*must be a process: a pid or a Process object*'
        { $PID | Should -ShareNamespace Net } | Should -Throw -ExpectedMessage '*needs -With*'
        { $PID | Should -ShareNamespace Netw -With $PID } | Should -Throw -ExpectedMessage "*'Netw' is not one kind of namespace*"
    }

    It 'checks every process piped to it' {
        $PID, $Boxed.Id | Should -ShareNamespace Ipc -With $PID
        { $PID, $Boxed.Id | Should -ShareNamespace Net -With $PID } |
            Should -Throw -ExpectedMessage ('*' + [WildcardPattern]::Escape("$($Boxed.Id) is in $($Link['box-net'])") + '*')
    }
}

Describe 'Should -BeInNamespace' {
    BeforeAll {
        $script:BoxNet = Get-Namespace -ProcessId $Boxed.Id -Type Net
        $script:NetnsName = 'nsps-assert-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        ip netns add $NetnsName
    }
    AfterAll { if ($NetnsName) { ip netns delete $NetnsName 2>$null } }

    It 'passes for a process in a namespace given as an object, a file or a deserialized object' {
        $Boxed.Id | Should -BeInNamespace $BoxNet
        $Boxed.Id | Should -BeInNamespace (Get-Namespace -ProcessId $Boxed.Id -Type Net, Uts)
        $Boxed.Id | Should -BeInNamespace "/proc/$($Boxed.Id)/ns/uts"
        $remote = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($BoxNet))
        $Boxed.Id | Should -BeInNamespace $remote
    }

    It 'fails for a process outside, naming where it is and where it was expected' {
        $message = Get-FailureMessage { $PID | Should -BeInNamespace $BoxNet }
        $message | Should -Be "Expected $SelfLabel to be in $($Link['box-net']), but it is in $($Link['self-net']), not in $($Link['box-net']) (with $BoxLabel)."
    }

    It 'finds a namespace by name, and fails with -Not when the process is in it' {
        $PID | Should -Not -BeInNamespace $NetnsName
        $named = Get-Namespace -Name $NetnsName
        $message = Get-FailureMessage { $PID | Should -BeInNamespace $NetnsName }
        $message | Should -Match ([regex]::Escape("not in net:[$($named.Id)] '$NetnsName'"))
        $message = Get-FailureMessage { $Boxed.Id | Should -Not -BeInNamespace $BoxNet }
        $message | Should -Be "Expected $BoxLabel not to be in $($Link['box-net']), but it is in $($Link['box-net']) (with $BoxLabel)."
    }

    It 'refuses what is not a namespace' {
        { $PID | Should -BeInNamespace 42 } | Should -Throw -ExpectedMessage '*takes NsPS.Namespace objects, names and namespace files*'
        { $PID | Should -BeInNamespace "nsps-none-$NetnsName" } | Should -Throw -ExpectedMessage "*No namespace named 'nsps-none-$NetnsName'*"
    }
}

Describe 'The examples' {
    It 'runs the example suites of examples/ and they all pass, none skipped' {
        $Child.Examples | Should -Contain 'failed:0' -Because ($Child.Examples -join "`n")
        $Child.Examples | Should -Contain 'skipped:0' -Because ($Child.Examples -join "`n")
        [int](($Child.Examples | Where-Object { $_ -like 'passed:*' }) -replace 'passed:') | Should -BeGreaterOrEqual 16
    }

    It 'leaves nothing of the examples behind' {
        ip netns list | Where-Object { $_ -match '^lab-[ab]-' } | Should -BeNullOrEmpty
        Get-ChildItem /run/nsps -ErrorAction Ignore | Where-Object Name -match '^lab-[ab]-' | Should -BeNullOrEmpty
        Get-Process sleep -ErrorAction Ignore | Where-Object { (Get-Content "/proc/$($_.Id)/cmdline" -Raw) -eq "sleep`0600`0" -and $_.Id -ne $Boxed.Id } |
            Where-Object { (Get-Item "/proc/$($_.Id)/ns/uts").LinkTarget -ne $Link['self-uts'] } |
            Where-Object { (nsenter --target $_.Id --uts hostname) -eq 'stand-in' } | Should -BeNullOrEmpty
    }
}
