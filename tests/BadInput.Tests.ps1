#Requires -Version 7.4
# Bad inputs across all cmdlets: each gives its own ErrorId and category, and leaves the system as it was.
# The cases that a cmdlet's own file checks (with their messages, errno and what was not written) are there only.
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
    $script:Cases = @(
        # Get-Namespace
        @{ Name = 'Get: pid 0'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Run = { Get-Namespace -ProcessId 0 } }
        @{ Name = 'Get: a folder that is not a namespace'; Id = 'NsPS.NotANamespace'; Category = 'InvalidArgument'; Run = { Get-Namespace -Path /proc } }
        @{ Name = 'Get: an id that does not exist'; Id = 'NsPS.NamespaceNotFound'; Category = 'ObjectNotFound'; Run = { Get-Namespace -NamespaceId 1 } }
        @{ Name = 'Get: a kind that does not exist'; Id = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Run = { Get-Namespace -Type Bogus } }
        # New-Namespace
        @{ Name = 'New: no kind'; Id = 'NsPS.NoType'; Category = 'InvalidArgument'; Run = { New-Namespace -Type None } }
        @{ Name = 'New: a name escaping the run folder'; Id = 'NsPS.InvalidName'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -Name '../../etc/x' } }
        @{ Name = 'New: a name with a control character'; Id = 'NsPS.InvalidName'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -Name "bell`a" } }
        @{ Name = 'New: a domain name too long'; Id = 'NsPS.InvalidDomainName'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Uts -DomainName ('d' * 65) } }
        @{ Name = 'New: an offset out of range'; Id = 'NsPS.InvalidTimeOffset'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Time -MonotonicOffset ([TimeSpan]::FromDays(40000)) } }
        @{ Name = 'New: an offset the kernel refuses'; Id = 'NsPS.TimeOffsetRefused'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Time -MonotonicOffset ([TimeSpan]::FromDays(-36500)) } }
        @{ Name = 'New: setgroups without a user namespace'; Id = 'NsPS.ConflictingParameters'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -SetGroups Deny } }
        @{ Name = 'New: a map entry of count 0'; Id = 'NsPS.InvalidIdMap'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -UidMap '0 100000 0' } }
        @{ Name = 'New: a map entry past 4294967294'; Id = 'NsPS.InvalidIdMap'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -UidMap '0 4294967295 1' } }
        @{ Name = 'New: map entries that overlap inside'; Id = 'NsPS.InvalidIdMap'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -UidMap '0 100000 10', '5 200000 1' } }
        @{ Name = 'New: map entries that overlap outside'; Id = 'NsPS.InvalidIdMap'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -GidMap '0 100000 10', '20 100005 1' } }
        @{ Name = 'New: a map that is not a map'; Id = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -UidMap 'zero one two' } }
        # Remove-Namespace
        @{ Name = 'Remove: a name escaping the run folder'; Id = 'NsPS.NamespaceNotFound'; Category = 'ObjectNotFound'; Run = { Remove-Namespace -Name '../netns' } }
        @{ Name = 'Remove: no name'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Run = { Remove-Namespace -Name '' } }
        # Enter-Namespace
        @{ Name = 'Enter: nothing to enter'; Id = 'NsPS.NoTarget'; Category = 'InvalidArgument'; Run = { Enter-Namespace -FilePath true } }
        @{ Name = 'Enter: a pid that does not exist'; Id = 'NsPS.ProcessNotFound'; Category = 'ObjectNotFound'; Run = { Enter-Namespace -ProcessId 999999999 -FilePath true } }
        @{ Name = 'Enter: a name that does not exist'; Id = 'NsPS.NameNotFound'; Category = 'ObjectNotFound'; Run = { Enter-Namespace -Name nsps-no-such-name -FilePath true } }
        @{ Name = 'Enter: a program that cannot run'; Id = 'NsPS.ProgramNotRunnable'; Category = 'PermissionDenied'; Run = { Enter-Namespace -Name $script:Taken -FilePath /dev/null } }
        @{ Name = 'Enter: a working folder that does not exist'; Id = 'NsPS.EnterFailed'; Category = 'ObjectNotFound'; Run = { Enter-Namespace -Name $script:Taken -FilePath true -WorkingDirectory /no/such/folder } }
        @{ Name = 'Enter: two namespaces of one kind'; Id = 'NsPS.ConflictingTargets'; Category = 'InvalidArgument'; Run = { @(Get-Namespace -Name $script:Taken -Type Net) + @(Get-Namespace -ProcessId $PID -Type Net) | Enter-Namespace -FilePath true } }
        @{ Name = 'Enter: a uid past 4294967294'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Run = { Enter-Namespace -Name $script:Taken -FilePath true -Uid 4294967295 } }
        @{ Name = 'Enter: pipeline and -ProcessId together'; Id = 'NsPS.ConflictingParameters'; Category = 'InvalidArgument'; Run = { Get-Namespace -Name $script:Taken -Type Net | Enter-Namespace -ProcessId $PID -FilePath true } }
    )
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    $script:Taken = 'nsps-bad-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
    $script:TakenSet = New-Namespace -Type Net, Uts -Name $Taken
}

AfterAll {
    if ($Taken) { Remove-Namespace -Name $Taken -ErrorAction Ignore }
}

Describe 'Bad input' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
    It '<Name>: <Id>, <Category>, nothing changed' -ForEach $Cases {
        $before = Get-SystemTrace
        # Every error, written or thrown: the block is made again here so that it runs with this preference.
        $ErrorActionPreference = 'Continue'
        $run = [scriptblock]::Create($Run.ToString())
        $failures = [System.Collections.Generic.List[object]]::new()
        try {
            & $run 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { $failures.Add($_) }
        }
        catch {
            $failures.Add($_)
        }
        $failures | Should -HaveCount 1 -Because 'a bad input fails, once'
        $failure = $failures[0]
        $failure.FullyQualifiedErrorId | Should -BeLike "$Id*"
        "$($failure.CategoryInfo.Category)" | Should -Be $Category
        if ($failure.FullyQualifiedErrorId -like 'NsPS.*') {
            $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty -Because 'every NsPS error says what to do'
        }
        $after = Get-SystemTrace
        Compare-SystemTrace $before $after -Ignore Fds | Should -BeNullOrEmpty
    }
}
