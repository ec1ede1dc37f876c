#Requires -Version 7.4
# Rootless defaults: the user namespace a plain user's New-Namespace adds maps root inside to the caller,
# Enter-Namespace becomes 0 only where 0 is mapped, and an id the namespace does not map is refused before
# anything runs.
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
}

BeforeAll {
    . $PSScriptRoot/common.ps1
}

Describe 'Rootless defaults' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root to run a plain user with setpriv' {
    BeforeAll {
        $script:Sandbox = New-UserSandbox
        # A uid and gid of their own, so that "kept as it maps inside" (4242) differs from the overflow id (65534).
        $script:User = 4242
    }
    AfterAll {
        if ($Sandbox) { Remove-Item $Sandbox -Recurse -Force }
        Remove-Item "/tmp/nsps-$User" -Recurse -Force -ErrorAction Ignore
    }

    It 'a plain user''s set gets a user namespace that maps root inside to the caller, and Enter-Namespace is root there' -Tag 'KernelSmoke' {
        $r = Invoke-AsUser $Sandbox -Uid $User -Gid $User {
            $s = New-Namespace -Type Uts, Net
            try {
                $user = $s | Where-Object Type -eq User
                [pscustomobject]@{
                    Types    = ($s.Type | ForEach-Object { "$_" } | Sort-Object) -join ','
                    UidMap   = $user.UidMap.ToString()
                    GidMap   = $user.GidMap.ToString()
                    Id       = @($s | Enter-Namespace -FilePath id)
                    Hostname = @($s | Enter-Namespace -FilePath sh -ArgumentList '-c', 'hostname rootless-uts && hostname')
                    Lo       = @($s | Enter-Namespace -FilePath sh -ArgumentList '-c', 'ip link set lo up && ip -o link show lo')
                    ByPid    = @(Enter-Namespace -ProcessId $s[0].HolderPid -FilePath id -ArgumentList '-u')
                }
            }
            finally { $s | Remove-Namespace }
        }
        $r.Types | Should -Be 'Net,User,Uts'
        $r.UidMap | Should -Be "0 $User 1"
        $r.GidMap | Should -Be "0 $User 1"
        $r.Id | Should -Match '^uid=0\(root\) gid=0\(root\)'
        $r.Hostname | Should -Be 'rootless-uts'
        $r.Lo | Should -Match '\bUP\b'
        $r.ByPid | Should -Be '0'
    }

    It '-MapCurrentUser keeps the caller''s own ids inside, and Enter-Namespace keeps them' {
        $r = Invoke-AsUser $Sandbox -Uid $User -Gid $User {
            $s = New-Namespace -Type Uts -MapCurrentUser
            try {
                [pscustomobject]@{
                    Uid = @($s | Enter-Namespace -FilePath id -ArgumentList '-u')
                    Gid = @($s | Enter-Namespace -FilePath id -ArgumentList '-g')
                }
            }
            finally { $s | Remove-Namespace }
        }
        $r.Uid | Should -Be "$User"
        $r.Gid | Should -Be "$User"
    }

    It 'an explicit id that the user namespace does not map is NsPS.IdNotMapped, naming the map, and nothing runs' {
        $r = Invoke-AsUser $Sandbox -Uid $User -Gid $User {
            $s = New-Namespace -Type Uts
            $file = Join-Path $HOME ('ran-' + [guid]::NewGuid().ToString('n'))
            try {
                foreach ($p in @{ Uid = 1 }, @{ Gid = 7 }) {
                    $e = $null
                    $s | Enter-Namespace @p -FilePath touch -ArgumentList $file -ErrorVariable e -ErrorAction SilentlyContinue
                    [pscustomobject]@{
                        Id       = $e[0].FullyQualifiedErrorId
                        Category = "$($e[0].CategoryInfo.Category)"
                        Target   = "$($e[0].TargetObject)"
                        Message  = $e[0].Exception.Message
                        Hint     = $e[0].ErrorDetails.RecommendedAction
                        Ran      = Test-Path $file
                    }
                }
            }
            finally { $s | Remove-Namespace }
        }
        $r.Count | Should -Be 2
        $r.Id | Should -Be @('NsPS.IdNotMapped,NsPS.Commands.EnterNamespaceCommand', 'NsPS.IdNotMapped,NsPS.Commands.EnterNamespaceCommand')
        $r.Category | Should -Be @('InvalidArgument', 'InvalidArgument')
        $r.Target | Should -Be @('1', '7')
        $r[0].Message | Should -Match "uid 1 is not mapped in user:\[\d+\]: its uid map is '0 $User 1'"
        $r[1].Message | Should -Match "gid 7 is not mapped in user:\[\d+\]: its gid map is '0 $User 1'"
        $r[0].Hint | Should -Match 'leave -Uid and -Gid out'
        $r.Ran | Should -Be @($false, $false)
    }

    It 'as root: a user namespace that does not map 0 keeps the caller''s ids, and an unmapped -Uid is refused' {
        $s = New-Namespace -Type User, Uts -UidMap '1000 200000 10' -GidMap '1000 200000 10'
        try {
            # Root (uid 0 outside) is not mapped there: the kernel shows it as the overflow id.
            $s | Enter-Namespace -FilePath id -ArgumentList '-u' | Should -Be (Get-Content /proc/sys/kernel/overflowuid)
            $s | Enter-Namespace -Uid 1005 -Gid 1009 -FilePath id | Should -Match '^uid=1005\b.* gid=1009\b'
            $e = $null
            $s | Enter-Namespace -Uid 0 -FilePath id -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $e[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.IdNotMapped,*'
            $e[0].Exception.Message | Should -Match "uid 0 is not mapped in user:\[$(($s | Where-Object Type -eq User).Id)\]: its uid map is '1000 200000 10'"
        }
        finally { $s | Remove-Namespace }
    }

    It '-MountProc implies Pid and Mount, for root and for a plain user' {
        $s = New-Namespace -Type Net -MountProc
        try {
            ($s.Type | ForEach-Object { "$_" } | Sort-Object) -join ',' | Should -Be 'Mount,Net,Pid'
            $ps = @($s | Enter-Namespace -FilePath ps -ArgumentList 'ax', '-o', 'pid=,comm=' | ForEach-Object { $_.Trim() })
            $ps.Count | Should -Be 2
            $ps[0] | Should -Be '1 nsps-holder'
            $ps[1] | Should -Match '^\d+ ps$'
        }
        finally { $s | Remove-Namespace }
        $r = Invoke-AsUser $Sandbox -Uid $User -Gid $User {
            $s = New-Namespace -Type Ipc -MountProc
            try {
                [pscustomobject]@{
                    Types = ($s.Type | ForEach-Object { "$_" } | Sort-Object) -join ','
                    Ps    = @($s | Enter-Namespace -FilePath ps -ArgumentList 'ax', '-o', 'pid=' | ForEach-Object { $_.Trim() })
                }
            }
            finally { $s | Remove-Namespace }
        }
        $r.Types | Should -Be 'Ipc,Mount,Pid,User'
        $r.Ps.Count | Should -Be 2
        $r.Ps[0] | Should -Be '1'
    }
}
