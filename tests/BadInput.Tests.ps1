#Requires -Version 7.4
# Bad inputs across all cmdlets: each gives its own ErrorId and category, and leaves the system as it was.
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
    $script:Cases = @(
        # Get-Namespace
        @{ Name = 'Get: a pid that does not exist'; Id = 'NsPS.ProcessNotFound'; Category = 'ObjectNotFound'; Run = { Get-Namespace -ProcessId 999999999 } }
        @{ Name = 'Get: pid 0'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Run = { Get-Namespace -ProcessId 0 } }
        @{ Name = 'Get: a file that is not a namespace'; Id = 'NsPS.NotANamespace'; Category = 'InvalidArgument'; Run = { Get-Namespace -Path /etc/hostname } }
        @{ Name = 'Get: a folder that is not a namespace'; Id = 'NsPS.NotANamespace'; Category = 'InvalidArgument'; Run = { Get-Namespace -Path /proc } }
        @{ Name = 'Get: a path that does not exist'; Id = 'NsPS.PathNotFound'; Category = 'ObjectNotFound'; Run = { Get-Namespace -Path /no/such/file } }
        @{ Name = 'Get: a name that does not exist'; Id = 'NsPS.NameNotFound'; Category = 'ObjectNotFound'; Run = { Get-Namespace -Name nsps-no-such-name } }
        @{ Name = 'Get: an id that does not exist'; Id = 'NsPS.NamespaceNotFound'; Category = 'ObjectNotFound'; Run = { Get-Namespace -NamespaceId 1 } }
        @{ Name = 'Get: a kind that does not exist'; Id = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Run = { Get-Namespace -Type Bogus } }
        # New-Namespace
        @{ Name = 'New: no kind'; Id = 'NsPS.NoType'; Category = 'InvalidArgument'; Run = { New-Namespace -Type None } }
        @{ Name = 'New: a name with /'; Id = 'NsPS.InvalidName'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -Name 'a/b' } }
        @{ Name = 'New: the name ..'; Id = 'NsPS.InvalidName'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -Name '..' } }
        @{ Name = 'New: a name escaping the run folder'; Id = 'NsPS.InvalidName'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -Name '../../etc/x' } }
        @{ Name = 'New: a name of 65 characters'; Id = 'NsPS.InvalidName'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -Name ('n' * 65) } }
        @{ Name = 'New: a name with a control character'; Id = 'NsPS.InvalidName'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -Name "bell`a" } }
        @{ Name = 'New: a host name too long'; Id = 'NsPS.InvalidHostname'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Uts -Hostname ('h' * 65) } }
        @{ Name = 'New: a domain name too long'; Id = 'NsPS.InvalidDomainName'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Uts -DomainName ('d' * 65) } }
        @{ Name = 'New: a host name without a uts namespace'; Id = 'NsPS.ConflictingParameters'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -Hostname x } }
        @{ Name = 'New: an offset without a time namespace'; Id = 'NsPS.ConflictingParameters'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -BoottimeOffset ([TimeSpan]::FromSeconds(1)) } }
        @{ Name = 'New: an offset out of range'; Id = 'NsPS.InvalidTimeOffset'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Time -MonotonicOffset ([TimeSpan]::FromDays(40000)) } }
        @{ Name = 'New: an offset the kernel refuses'; Id = 'NsPS.TimeOffsetRefused'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Time -MonotonicOffset ([TimeSpan]::FromDays(-36500)) } }
        @{ Name = 'New: two ways to map'; Id = 'NsPS.ConflictingParameters'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -MapRootUser -MapCurrentUser } }
        @{ Name = 'New: propagation without a mount namespace'; Id = 'NsPS.ConflictingParameters'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -Propagation Shared } }
        @{ Name = 'New: setgroups without a user namespace'; Id = 'NsPS.ConflictingParameters'; Category = 'InvalidArgument'; Run = { New-Namespace -Type Net -SetGroups Deny } }
        @{ Name = 'New: a map entry of count 0'; Id = 'NsPS.InvalidIdMap'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -UidMap '0 100000 0' } }
        @{ Name = 'New: a map entry past 4294967294'; Id = 'NsPS.InvalidIdMap'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -UidMap '0 4294967295 1' } }
        @{ Name = 'New: map entries that overlap inside'; Id = 'NsPS.InvalidIdMap'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -UidMap '0 100000 10', '5 200000 1' } }
        @{ Name = 'New: map entries that overlap outside'; Id = 'NsPS.InvalidIdMap'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -GidMap '0 100000 10', '20 100005 1' } }
        @{ Name = 'New: a map that is not a map'; Id = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Run = { New-Namespace -Type User -UidMap 'zero one two' } }
        @{ Name = 'New: a name that is taken'; Id = 'NsPS.NameTaken'; Category = 'ResourceExists'; Run = { New-Namespace -Type Net -Name $script:Taken } }
        # Remove-Namespace
        @{ Name = 'Remove: a name that does not exist'; Id = 'NsPS.NamespaceNotFound'; Category = 'ObjectNotFound'; Run = { Remove-Namespace -Name nsps-no-such-name } }
        @{ Name = 'Remove: a name escaping the run folder'; Id = 'NsPS.NamespaceNotFound'; Category = 'ObjectNotFound'; Run = { Remove-Namespace -Name '../netns' } }
        @{ Name = 'Remove: a namespace NsPS did not make'; Id = 'NsPS.NotRemovable'; Category = 'InvalidOperation'; Run = { Get-Namespace -ProcessId $PID -Type Net | Remove-Namespace } }
        @{ Name = 'Remove: no name'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Run = { Remove-Namespace -Name '' } }
        # Enter-Namespace
        @{ Name = 'Enter: nothing to enter'; Id = 'NsPS.NoTarget'; Category = 'InvalidArgument'; Run = { Enter-Namespace -FilePath true } }
        @{ Name = 'Enter: a pid that does not exist'; Id = 'NsPS.ProcessNotFound'; Category = 'ObjectNotFound'; Run = { Enter-Namespace -ProcessId 999999999 -FilePath true } }
        @{ Name = 'Enter: a name that does not exist'; Id = 'NsPS.NameNotFound'; Category = 'ObjectNotFound'; Run = { Enter-Namespace -Name nsps-no-such-name -FilePath true } }
        @{ Name = 'Enter: a program that does not exist'; Id = 'NsPS.ProgramNotFound'; Category = 'ObjectNotFound'; Run = { Enter-Namespace -Name $script:Taken -FilePath /no/such/program } }
        @{ Name = 'Enter: a program that cannot run'; Id = 'NsPS.ProgramNotRunnable'; Category = 'PermissionDenied'; Run = { Enter-Namespace -Name $script:Taken -FilePath /dev/null } }
        @{ Name = 'Enter: a working folder that does not exist'; Id = 'NsPS.EnterFailed'; Category = 'ObjectNotFound'; Run = { Enter-Namespace -Name $script:Taken -FilePath true -WorkingDirectory /no/such/folder } }
        @{ Name = 'Enter: $using: in a script block'; Id = 'NsPS.UsingNotSupported'; Category = 'InvalidArgument'; Run = { $x = 1; Enter-Namespace -Name $script:Taken { $using:x } } }
        @{ Name = 'Enter: two namespaces of one kind'; Id = 'NsPS.ConflictingTargets'; Category = 'InvalidArgument'; Run = { @(Get-Namespace -Name $script:Taken -Type Net) + @(Get-Namespace -ProcessId $PID -Type Net) | Enter-Namespace -FilePath true } }
        @{ Name = 'Enter: a uid past 4294967294'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Run = { Enter-Namespace -Name $script:Taken -FilePath true -Uid 4294967295 } }
        @{ Name = 'Enter: pipeline and -ProcessId together'; Id = 'NsPS.ConflictingParameters'; Category = 'InvalidArgument'; Run = { Get-Namespace -Name $script:Taken -Type Net | Enter-Namespace -ProcessId $PID -FilePath true } }
        # Set-IdMap
        @{ Name = 'Set-IdMap: a pid that does not exist'; Id = 'NsPS.ProcessNotFound'; Category = 'ObjectNotFound'; Run = { Set-IdMap -ProcessId 999999999 -UidMap '0 0 1' } }
        @{ Name = 'Set-IdMap: a namespace that is not a user namespace'; Id = 'NsPS.NotAUserNamespace'; Category = 'InvalidArgument'; Run = { Get-Namespace -Name $script:Taken -Type Net | Set-IdMap -UidMap '0 0 1' } }
        @{ Name = 'Set-IdMap: nothing to write'; Id = 'NsPS.NothingToWrite'; Category = 'InvalidArgument'; Run = { Set-IdMap -ProcessId $script:MappedPid } }
        @{ Name = 'Set-IdMap: a map already written'; Id = 'NsPS.MapAlreadyWritten'; Category = 'InvalidOperation'; Run = { Set-IdMap -ProcessId $script:MappedPid -UidMap '0 0 1' } }
        @{ Name = 'Set-IdMap: 341 entries'; Id = 'NsPS.InvalidIdMap'; Category = 'InvalidArgument'; Run = { Set-IdMap -ProcessId $script:MappedPid -UidMap (0..340 | ForEach-Object { "$_ $(100000 + $_) 1" }) } }
    )
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    $script:Taken = 'nsps-bad-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
    $script:TakenSet = New-Namespace -Type Net, Uts -Name $Taken
    $script:Mapped = New-Namespace -Type User -MapRootUser
    $script:MappedPid = $Mapped.HolderPid
}

AfterAll {
    if ($Mapped) { $Mapped | Remove-Namespace }
    if ($Taken) { Remove-Namespace -Name $Taken -ErrorAction Ignore }
}

Describe 'Bad input' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
    It 'has at least 40 cases' {
        $Cases.Count | Should -BeGreaterOrEqual 40
    }

    It '<Name>: <Id>, <Category>, nothing changed' -ForEach $Cases {
        $before = Get-SystemTrace
        $failure = $null
        try {
            $null = & $Run -ErrorAction Stop 2>&1
        }
        catch {
            $failure = $_
        }
        $failure | Should -Not -BeNullOrEmpty -Because 'a bad input must fail'
        $failure.FullyQualifiedErrorId | Should -BeLike "$Id*"
        "$($failure.CategoryInfo.Category)" | Should -Be $Category
        if ($failure.FullyQualifiedErrorId -like 'NsPS.*') {
            $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty -Because 'every NsPS error says what to do'
        }
        $after = Get-SystemTrace
        Compare-SystemTrace $before $after -Ignore Fds | Should -BeNullOrEmpty
    }
}
