#Requires -Version 7.4
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
}

BeforeAll {
    . $PSScriptRoot/common.ps1

    # What the system holds of a set: its processes, its mounts, its names.
    function Get-Trace([int] $HolderPid, [string] $Name) {
        @(
            if ($HolderPid -and (Test-Path "/proc/$HolderPid")) { "process $HolderPid" }
            if ($Name) {
                Select-String -Path /proc/self/mountinfo -SimpleMatch "/$Name" | ForEach-Object { "mount $($_.Line)" }
                if (Test-Path "/run/netns/$Name") { "file /run/netns/$Name" }
                if (Test-Path "/run/nsps/$Name") { "folder /run/nsps/$Name" }
            }
        )
    }

    function Wait-Gone([int] $ProcessId, [int] $TimeoutMs = $PatienceMs) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while ((Test-Path "/proc/$ProcessId") -and $sw.ElapsedMilliseconds -lt $TimeoutMs) { Start-Sleep -Milliseconds 20 }
        -not (Test-Path "/proc/$ProcessId")
    }

    $script:Prefix = 'nsps-t-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
}

AfterAll {
    # Whatever a failed test left: remove every set of this run.
    Get-ChildItem /run/nsps -ErrorAction Ignore | Where-Object Name -like "$Prefix*" | ForEach-Object { Remove-Namespace -Name $_.Name -ErrorAction Ignore }
}

Describe 'New-Namespace' {
    Context 'the demos, as root' -Skip:(-not $IsRoot) -Tag 'KernelSmoke', 'SkipBecause: needs root' {
        It 'PID: a new pid namespace with a fresh /proc, where the holder is PID 1 and nothing of the host is seen' {
            $hostProc = Get-Content /proc/self/mountinfo | Where-Object { ($_ -split ' ')[4] -eq '/proc' }
            $hostInit = Get-Content /proc/1/comm
            $set = New-Namespace -Type Pid -MountProc
            try {
                $set.Type | Should -Be @('Mount', 'Pid')
                $h = $set[0].HolderPid
                $ps = nsenter -t $h -m -p ps -eo pid=,comm=
                ($ps | ForEach-Object { $_.Trim() }) | Should -Contain '1 nsps-holder'
                $ps.Count | Should -Be 2    # the holder and ps itself
                (nsenter -t $h -p -m cat /proc/1/cmdline) | Should -Match 'nsps-launcher'
                # The host's /proc is untouched: the same mount, its pid 1 is still the host's init, and the holder
                # is seen there at its host pid.
                Get-Content /proc/self/mountinfo | Where-Object { ($_ -split ' ')[4] -eq '/proc' } | Should -Be $hostProc
                (Get-Content /proc/1/comm) | Should -Be $hostInit
                $h | Should -Not -Be 1
                (Get-Content "/proc/$h/comm") | Should -Be 'nsps-holder'
            }
            finally { $set | Remove-Namespace }
        }

        It 'UTS: -Hostname and -DomainName inside, the host''s names unchanged' {
            $before = hostname
            $set = New-Namespace -Type Uts -Hostname 'nsps-inside' -DomainName 'lab.example'
            try {
                (nsenter -t $set.HolderPid -u hostname) | Should -Be 'nsps-inside'
                (nsenter -t $set.HolderPid -u domainname) | Should -Be 'lab.example'
                hostname | Should -Be $before
            }
            finally { $set | Remove-Namespace }
        }

        It 'IPC: a message queue made inside is not visible on the host' {
            $set = New-Namespace -Type Ipc
            try {
                $id = nsenter -t $set.HolderPid -i ipcmk -Q
                $id | Should -Match 'Message queue id: (\d+)'
                $qid = [int]($id -replace '\D', '')
                (nsenter -t $set.HolderPid -i ipcs -q) -join "`n" | Should -Match "\b$qid\b"
                ((ipcs -q) -join "`n") | Should -Not -Match "0x[0-9a-f]+\s+$qid\s"
            }
            finally { $set | Remove-Namespace }
        }

        It 'Net: inside, only lo exists' {
            $set = New-Namespace -Type Net
            try {
                $links = nsenter -t $set.HolderPid -n ip -j link | ConvertFrom-Json
                $links.ifname | Should -Be @('lo')
            }
            finally { $set | Remove-Namespace }
        }

        It 'Mount: a mount made inside is not in the host''s mountinfo' {
            $set = New-Namespace -Type Mount
            $dir = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-mnt"
            New-Item -ItemType Directory $dir | Out-Null
            try {
                nsenter -t $set.HolderPid -m mount -t tmpfs nsps-test-tmpfs $dir
                $LASTEXITCODE | Should -Be 0
                (nsenter -t $set.HolderPid -m cat /proc/self/mountinfo) -join "`n" | Should -Match 'nsps-test-tmpfs'
                (Get-Content /proc/self/mountinfo -Raw) | Should -Not -Match 'nsps-test-tmpfs'
                # Propagation is private by default, as with unshare.
                (nsenter -t $set.HolderPid -m cat /proc/self/mountinfo | Select-String ' / / ') -join '' | Should -Not -Match 'shared:'
            }
            finally {
                $set | Remove-Namespace
                Remove-Item $dir -Force
            }
        }

        It 'Cgroup: a new cgroup namespace, rooted at the holder''s cgroup' {
            $set = New-Namespace -Type Cgroup
            try {
                $set.Type | Should -Be 'Cgroup'
                (Get-NsInode "/proc/$($set.HolderPid)/ns/cgroup") | Should -Be $set.Id
                (Get-NsInode '/proc/self/ns/cgroup') | Should -Not -Be $set.Id
                (nsenter -t $set.HolderPid -C cat /proc/self/cgroup) -join "`n" | Should -Match ':/$'
            }
            finally { $set | Remove-Namespace }
        }

        It 'Time: a boottime offset is visible in /proc/uptime inside' {
            $set = New-Namespace -Type Time -BoottimeOffset ([TimeSpan]::FromDays(10)) -MonotonicOffset ([TimeSpan]::FromHours(1))
            try {
                # The host's uptime before and after bounds the one read inside (however long the reads take).
                $before = [double]((Get-Content /proc/uptime) -split ' ')[0]
                $inside = [double]((nsenter -t $set.HolderPid -T cat /proc/uptime) -split ' ')[0]
                $after = [double]((Get-Content /proc/uptime) -split ' ')[0]
                $inside | Should -BeGreaterOrEqual ($before + 10 * 86400 - 1)
                $inside | Should -BeLessOrEqual ($after + 10 * 86400 + 1)
                (Get-Content "/proc/$($set.HolderPid)/timens_offsets") -join "`n" | Should -Match 'monotonic\s+3600\s+0'
            }
            finally { $set | Remove-Namespace }
        }

        It 'User: a user namespace without mapping is left unmapped for Set-IdMap' {
            $set = New-Namespace -Type User
            try {
                $set.Type | Should -Be 'User'
                (Get-Content "/proc/$($set.HolderPid)/uid_map" -Raw) | Should -BeNullOrEmpty
            }
            finally { $set | Remove-Namespace }
        }

        It 'lsns sees the holder''s namespaces' {
            $set = New-Namespace -Type Net, Uts, Ipc, Pid, Mount
            try {
                $lsns = (lsns -J -p $set[0].HolderPid | ConvertFrom-Json).namespaces
                foreach ($ns in $set) {
                    ($lsns | Where-Object ns -eq $ns.Id).pid | Should -Be $set[0].HolderPid
                }
            }
            finally { $set | Remove-Namespace }
        }
    }

    Context 'the demos, as a plain user' -Skip:(-not $IsRoot) -Tag 'KernelSmoke', 'SkipBecause: needs root to run a plain user with setpriv' {
        BeforeAll {
            $script:Sandbox = New-UserSandbox
        }
        AfterAll {
            if ($Sandbox) { Remove-Item $Sandbox -Recurse -Force }
            # Only this run's sets: the user's folder is shared with every other run on the machine.
            Get-ChildItem /tmp/nsps-65534 -Filter "$Prefix*" -ErrorAction Ignore | Remove-Item -Recurse -Force
            if (-not (Get-ChildItem /tmp/nsps-65534 -Force -ErrorAction Ignore)) { Remove-Item /tmp/nsps-65534 -Force -ErrorAction Ignore }
        }

        It 'User: -MapRootUser gives uid 0 inside, and privileges over the host are still refused' {
            $r = Invoke-AsUser $Sandbox {
                $s = New-Namespace -Type User, Uts -MapRootUser
                $h = $s[0].HolderPid
                [pscustomobject]@{
                    Types    = $s.Type -join ','
                    UidMap   = (Get-Content /proc/$h/uid_map -Raw).Trim() -replace '\s+', ' '
                    Id       = nsenter -t $h -U --preserve-credentials id -u
                    # The host's uts namespace belongs to the initial user namespace: root inside is nobody there.
                    HostName = (nsenter -t $h -U --preserve-credentials hostname nsps-evil 2>&1) -join ' '
                    OwnName  = $(nsenter -t $h -U --preserve-credentials -u hostname nsps-inside 2>&1; nsenter -t $h -U --preserve-credentials -u hostname) -join " "
                }
                $s | Remove-Namespace
            }
            $r.Types | Should -Be 'User,Uts'
            $r.UidMap | Should -Be '0 65534 1'
            $r.Id | Should -Be '0'
            $r.HostName | Should -Match 'root|permitted'
            hostname | Should -Not -Be 'nsps-evil'
            $r.OwnName | Should -Be 'nsps-inside'
        }

        It 'PID, Net, IPC, Mount: a rootless sandbox, root inside' {
            $r = Invoke-AsUser $Sandbox {
                $s = New-Namespace -Type Pid, Net, Ipc -MountProc -MapRootUser
                $h = $s[0].HolderPid
                $dir = Join-Path ([IO.Path]::GetTempPath()) "nsps-user-mnt-$h"
                New-Item -ItemType Directory $dir | Out-Null
                [pscustomobject]@{
                    Types = $s.Type -join ','
                    Ps    = @(nsenter -t $h -U --preserve-credentials -p -m ps -eo pid=,comm= | ForEach-Object { $_.Trim() })
                    Links = (nsenter -t $h -U --preserve-credentials -n ip -j link | ConvertFrom-Json).ifname -join ','
                    Queue = (nsenter -t $h -U --preserve-credentials -i ipcmk -Q) -replace '\D', ''
                    Mount = (nsenter -t $h -U --preserve-credentials -p -m sh -c "mount -t tmpfs nsps-user-tmpfs $dir && grep -c nsps-user-tmpfs /proc/self/mountinfo")
                }
                $s | Remove-Namespace
                Remove-Item $dir
            }
            $r.Types | Should -Be 'Ipc,Mount,Net,Pid,User'
            $r.Ps | Should -Contain '1 nsps-holder'
            $r.Ps.Count | Should -Be 2
            $r.Links | Should -Be 'lo'
            $r.Queue | Should -Match '^\d+$'
            ((ipcs -q) -join "`n") | Should -Not -Match "0x[0-9a-f]+\s+$($r.Queue)\s"
            $r.Mount | Should -Be '1'
            (Get-Content /proc/self/mountinfo -Raw) | Should -Not -Match 'nsps-user-tmpfs'
        }

        It 'UTS, Cgroup, Time: host name and clock offsets inside a rootless set, with a user namespace added for the plain user' {
            $r = Invoke-AsUser $Sandbox {
                $s = New-Namespace -Type Uts, Cgroup, Time -Hostname rootless -BoottimeOffset ([TimeSpan]::FromDays(2))
                $h = $s[0].HolderPid
                [pscustomobject]@{
                    Types        = $s.Type -join ','
                    Hostname     = nsenter -t $h -U --preserve-credentials -u hostname
                    UptimeBefore = [double]((Get-Content /proc/uptime) -split ' ')[0]
                    Uptime       = [double]((nsenter -t $h -U --preserve-credentials -T cat /proc/uptime) -split ' ')[0]
                    UptimeAfter  = [double]((Get-Content /proc/uptime) -split ' ')[0]
                    Cgroup       = (Get-NsInode "/proc/$h/ns/cgroup") -ne (Get-NsInode /proc/self/ns/cgroup)
                }
                $s | Remove-Namespace
            } -Prelude 'function Get-NsInode([string] $Path) { [uint64](stat -L -c %i $Path) }'
            $r.Types | Should -Be 'Cgroup,Time,User,Uts'
            $r.Hostname | Should -Be 'rootless'
            # The host's uptime before and after bounds the one read inside (however long the reads take).
            $r.Uptime | Should -BeGreaterOrEqual ($r.UptimeBefore + 2 * 86400 - 1)
            $r.Uptime | Should -BeLessOrEqual ($r.UptimeAfter + 2 * 86400 + 1)
            $r.Cgroup | Should -BeTrue
        }

        It 'a named rootless set is kept by its holder and recorded in the user''s state folder' {
            # A name of this run's own: names are the user's, machine-wide, and another run's Remove-Namespace
            # of the same name would take this set away. Only the holder's pid comes back (a failed
            # New-Namespace shows here with its message), and the holder runs once the session that made it
            # has ended (a zombie would still be in /proc).
            $name = "$Prefix-mine"
            $named = "`$name = '$name'"
            $made = @(Invoke-AsUser $Sandbox { (New-Namespace -Type Net -Name $name)[0].HolderPid } -Prelude $named)
            $made | Should -HaveCount 1 -Because "New-Namespace returned: $made"
            $holder = $made[0]
            $holder | Should -BeOfType [int] -Because "New-Namespace returned: $made"
            try {
                Test-Running $holder | Should -BeTrue
                (Get-Item /tmp/nsps-65534/$name/state.json).UnixFileMode.ToString() | Should -Be 'UserWrite, UserRead'
                $again = Invoke-AsUser $Sandbox { Get-Namespace -Name $name | ForEach-Object { "$($_.Type) $($_.HolderPid)" } } -Prelude $named
                $again | Should -Be @("Net $holder", "User $holder")
                Invoke-AsUser $Sandbox { Remove-Namespace -Name $name; Test-Path /tmp/nsps-65534/$name } -Prelude $named | Should -BeFalse
                Wait-Gone $holder | Should -BeTrue
            }
            finally { if ((Get-Content "/proc/$holder/comm" -ErrorAction Ignore) -eq 'nsps-holder') { kill -KILL $holder } }
        }
    }

    Context 'named sets, as root' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        It 'a named net namespace is seen by ip netns and nsenter, and found again by name' {
            $name = "$Prefix-net"
            $set = New-Namespace -Type Net, Uts -Name $name -Hostname $name
            try {
                $set.Name | Should -Be @($name, $name)
                (ip netns list) | Where-Object { $_ -match "^$name\b" } | Should -Not -BeNullOrEmpty
                (nsenter --net=/run/netns/$name ip -j link | ConvertFrom-Json).ifname | Should -Be 'lo'
                (ip netns exec $name ip -j link | ConvertFrom-Json).ifname | Should -Be 'lo'
                (nsenter --uts=/run/nsps/$name/uts hostname) | Should -Be $name
                (Get-NsInode "/run/nsps/$name/net") | Should -Be ($set | Where-Object Type -eq Net).Id
                $found = Get-Namespace -Name $name
                $found.Id | Sort-Object | Should -Be ($set.Id | Sort-Object)
                ($found | Where-Object Type -eq Net).Paths | Should -Contain "/run/netns/$name"
            }
            finally { Remove-Namespace -Name $name }
            Get-Trace $set[0].HolderPid $name | Should -BeNullOrEmpty
            (ip netns list) | Where-Object { $_ -match "^$name\b" } | Should -BeNullOrEmpty
        }

        It 'a named set outlives the session that made it and is found from a new one' {
            $name = "$Prefix-keep"
            $made = Invoke-Pwsh "Import-Module '$ModuleManifest'; (New-Namespace -Type Net,Pid -Name $name).HolderPid[0]"
            $holder = [int]$made
            try {
                Test-Running $holder | Should -BeTrue
                $again = Invoke-Pwsh "Import-Module '$ModuleManifest'; Get-Namespace -Name $name | ForEach-Object { `"`$(`$_.Type) `$(`$_.HolderPid)`" }"
                $again | Should -Be @("Net $holder", "Pid $holder")
                Invoke-Pwsh "Import-Module '$ModuleManifest'; Remove-Namespace -Name $name; 'ok'" | Should -Be 'ok'
                Wait-Gone $holder | Should -BeTrue
            }
            finally { Remove-Namespace -Name $name -ErrorAction Ignore }
            Get-Trace $holder $name | Should -BeNullOrEmpty
        }

        It 'a taken name is an error and changes nothing' {
            $name = "$Prefix-taken"
            $set = New-Namespace -Type Net -Name $name
            try {
                $before = Get-Namespace -Type Net
                $trace = Get-SystemTrace
                $err = $null
                New-Namespace -Type Net -Name $name -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
                $err | Should -HaveCount 1
                $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NameTaken*'
                $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
                $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
                (Get-Namespace -Type Net).Id | Should -Be $before.Id
                Compare-SystemTrace $trace (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
            }
            finally { Remove-Namespace -Name $name }
        }

        It 'an ip netns name is taken too' {
            $name = "$Prefix-ipns"
            ip netns add $name
            try {
                $err = $null
                New-Namespace -Type Net -Name $name -ErrorVariable err -ErrorAction SilentlyContinue
                $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NameTaken*'
                Test-Path "/run/nsps/$name" | Should -BeFalse
            }
            finally { ip netns delete $name }
        }
    }

    Context 'unnamed sets die with their session' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        It 'a killed pwsh leaves no unnamed holder behind' {
            $cmd = @(Get-PwshCommand)
            $child = Start-Background $cmd[0] (@($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command',
                "Import-Module '$ModuleManifest'; `$s = New-Namespace -Type Net,Pid; [Console]::Out.WriteLine(`$s[0].HolderPid); [Console]::Out.Flush(); Start-Sleep 600")) -RedirectOutput
            $script:line = $child.StandardOutput.ReadLine()
            $holder = [int]$script:line
            $holder | Should -BeGreaterThan 0
            Test-Path "/proc/$holder" | Should -BeTrue
            $child.Kill()
            $child.WaitForExit()
            Wait-Gone $holder | Should -BeTrue
        }
    }

    Context 'failures leave nothing behind' {
        BeforeEach { $script:TraceBefore = Get-SystemTrace }
        AfterEach { Compare-SystemTrace $TraceBefore (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty }

        It 'refuses a bad name with NsPS.InvalidName: <_>' -ForEach @('a/b', '..', '.', 'with space', "tab`tname", ('x' * 65), '-dash') {
            $err = $null
            New-Namespace -Type Net -Name $_ -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.InvalidName*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }

        It 'refuses a host name over 64 bytes before creating anything' {
            $before = @(Get-Namespace -Type Uts).Id
            $err = $null
            New-Namespace -Type Uts -Hostname ('h' * 65) -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.InvalidHostname*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            @(Get-Namespace -Type Uts).Id | Should -Be $before
        }

        It 'refuses parameters that need a kind not asked for: <Params>' -ForEach @(
            @{ Params = @{ Type = 'Net'; Hostname = 'x' } }
            @{ Params = @{ Type = 'Net'; BoottimeOffset = [TimeSpan]::FromSeconds(1) } }
            @{ Params = @{ Type = 'Net'; Propagation = 'Shared' } }
            @{ Params = @{ Type = 'User'; MapRootUser = $true; MapCurrentUser = $true } }
        ) {
            $err = $null
            New-Namespace @Params -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.ConflictingParameters*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }

        It 'reports ENOSPC from max_cgroup_namespaces with the limit named, and leaves no holder' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
            # The limits count per user namespace: lower one in a user namespace of its own, and run pwsh there.
            $cmd = @(Get-PwshCommand)
            $script = "Import-Module '$ModuleManifest'; New-Namespace -Type Net,Cgroup -ErrorAction SilentlyContinue -ErrorVariable e | Out-Null; " +
                "`$r = `$e[0]; [pscustomobject]@{ Id = `$r.FullyQualifiedErrorId; Category = `"`$(`$r.CategoryInfo.Category)`"; Errno = `$r.Exception.ErrnoName; " +
                "Hint = `$r.ErrorDetails.RecommendedAction; Launchers = @(Get-Process nsps-launcher -ErrorAction Ignore).Count } | ConvertTo-Json -Compress"
            $quoted = ($cmd + @('-NoProfile', '-NonInteractive', '-Command', $script) | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
            $json = unshare --user --map-root-user sh -c "echo 0 > /proc/sys/user/max_cgroup_namespaces && exec $quoted"
            $r = $json | ConvertFrom-Json
            $r.Id | Should -BeLike 'NsPS.UnshareFailed*'
            $r.Category | Should -Be 'LimitsExceeded'
            $r.Errno | Should -Be 'ENOSPC'
            $r.Hint | Should -Match 'max_cgroup_namespaces \(0 '
            $r.Launchers | Should -Be 0
        }

        It '-WhatIf creates nothing' {
            $before = @(Get-Process nsps-launcher -ErrorAction Ignore).Count
            New-Namespace -Type Net -Name "$Prefix-whatif" -WhatIf | Should -BeNullOrEmpty
            @(Get-Process nsps-launcher -ErrorAction Ignore).Count | Should -Be $before
            Get-Trace 0 "$Prefix-whatif" | Should -BeNullOrEmpty
        }
    }
}

Describe 'Remove-Namespace' {
    It 'removes a whole set, once, from any of its namespaces' -Skip:(-not $IsRoot) -Tag 'KernelSmoke', 'SkipBecause: needs root' {
        $set = New-Namespace -Type Net, Uts, Pid
        $h = $set[0].HolderPid
        $set | Remove-Namespace
        Test-Path "/proc/$h" | Should -BeFalse
        (lsns -J | ConvertFrom-Json).namespaces.ns | Should -Not -Contain $set[0].Id
    }

    It 'reports a removed set as NsPS.NamespaceNotFound' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        $set = New-Namespace -Type Net
        $set | Remove-Namespace
        $err = $null
        $set | Remove-Namespace -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NamespaceNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $trace = Get-SystemTrace
        Remove-Namespace -Name "$Prefix-never" -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NamespaceNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Compare-SystemTrace $trace (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
    }

    It 'refuses namespaces it did not make with NsPS.NotRemovable' {
        $trace = Get-SystemTrace
        $err = $null
        Get-Namespace -ProcessId $PID -Type Net | Remove-Namespace -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NotRemovable*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Compare-SystemTrace $trace (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
    }

    It 'deletes an ip netns name as ip netns delete does' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        $name = "$Prefix-ipdel"
        ip netns add $name
        Remove-Namespace -Name $name
        (ip netns list) | Where-Object { $_ -match "^$name\b" } | Should -BeNullOrEmpty
        Get-Trace 0 $name | Should -BeNullOrEmpty
    }

    It 'cleans up a named set whose holder was killed' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        $name = "$Prefix-killed"
        $set = New-Namespace -Type Net, Uts -Name $name
        $h = $set[0].HolderPid
        kill -KILL $h
        # The bind mounts still hold the namespaces, but no holder does any more (and the dead one is reaped).
        $left = Get-Namespace -Name $name
        $left.Type | Should -Be @('Net', 'Uts')
        $left | Where-Object HolderPid | Should -BeNullOrEmpty
        Wait-Gone $h | Should -BeTrue
        Remove-Namespace -Name $name
        Get-Trace $h $name | Should -BeNullOrEmpty
    }

    It '-WhatIf removes nothing' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        $set = New-Namespace -Type Net
        try {
            $set | Remove-Namespace -WhatIf
            Test-Path "/proc/$($set.HolderPid)" | Should -BeTrue
        }
        finally { $set | Remove-Namespace }
    }
}
