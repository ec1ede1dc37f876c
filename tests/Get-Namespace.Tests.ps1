#Requires -Version 7.4
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
}

BeforeAll {
    . $PSScriptRoot/common.ps1

    # A known population, made with the real tools.
    $script:Population = @{}
    $script:Started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
    # unshare without --fork: the sleep itself is in the new namespace.
    foreach ($kind in 'net', 'uts', 'ipc', 'mount', 'user', 'cgroup') {
        $p = Start-Background unshare @("--$kind", 'sleep', '600')
        $Started.Add($p)
        $Population[$kind] = $p
    }
    # pid and time namespaces apply to children: the forked sleep is inside, unshare holds pid_for_children.
    foreach ($kind in 'pid', 'time') {
        $p = Start-Background unshare @("--$kind", '--fork', 'sleep', '600')
        $Started.Add($p)
        $Population[$kind] = $p
    }
    $script:NetnsName = 'nsps-test-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
    ip netns add $NetnsName
    # A net namespace held only by an open descriptor: bash opens it from a short-lived holder, then the holder dies.
    $script:FdHolder = Start-Background bash @('-c', 'unshare --net sleep 60 & h=$!; while [ "$(readlink /proc/$h/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.01; done; exec 7</proc/$h/ns/net; kill $h; wait $h; exec sleep 600')
    $Started.Add($FdHolder)
    # A net namespace held only by a bind mount inside another, private mount namespace.
    $script:HiddenFile = Join-Path ([IO.Path]::GetTempPath()) ('nsps-test-bind-' + [guid]::NewGuid().ToString('n'))
    $script:MountHolder = Start-Background unshare @('--mount', '--propagation', 'private', 'sh', '-c', "touch '$HiddenFile' && unshare --net='$HiddenFile' true && exec sleep 600")
    $Started.Add($MountHolder)

    # A thread of this very process in its own uts namespace, keeping a new time namespace for children it never has.
    Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
using System.Threading;
public static class NsPSTestThread {
    [DllImport("libc", SetLastError = true)] private static extern int unshare(int flags);
    [DllImport("libc")] private static extern int gettid();
    private static readonly ManualResetEventSlim Done = new ManualResetEventSlim();
    public static int Tid;
    public static int Start() {
        var ready = new ManualResetEventSlim();
        var t = new Thread(() => { Tid = gettid(); if (unshare(0x04000000 | 0x00000080) != 0) Tid = -Marshal.GetLastWin32Error(); ready.Set(); Done.Wait(); });
        t.IsBackground = true;
        t.Start();
        ready.Wait();
        return Tid;
    }
    public static void Stop() { Done.Set(); }
}
public static class NsPSTestKernel {
    [DllImport("libc", SetLastError = true)] private static extern int open(string path, int flags);
    [DllImport("libc", SetLastError = true)] private static extern int ioctl(int fd, ulong request, out ulong value);
    [DllImport("libc")] private static extern int close(int fd);
    // Whether the kernel answers ioctl(NS_GET_ID) on an nsfs file (Linux 6.18 and later).
    public static bool AnswersNsGetId() {
        int fd = open("/proc/self/ns/net", 0x80000); // O_RDONLY | O_CLOEXEC
        if (fd < 0) throw new System.ComponentModel.Win32Exception();
        try { ulong id; return ioctl(fd, 0x8008b70dUL, out id) == 0 && id != 0; } // _IOR(NSIO 0xb7, 13, __u64)
        finally { close(fd); }
    }
}
'@
    $script:ThreadId = [NsPSTestThread]::Start()
    # A kernel without NS_GET_ID (before 6.18) gives no namespace its 64-bit id: UniqueId is then empty.
    $script:HasNsGetId = [NsPSTestKernel]::AnswersNsGetId()
    function Assert-UniqueId($Namespace) {
        if ($HasNsGetId) { $Namespace.UniqueId | Should -BeGreaterThan 0 } else { $Namespace.UniqueId | Should -BeNullOrEmpty }
    }

    Wait-Until {
        foreach ($kind in 'pid', 'time') { if (-not (Get-ChildPid $Population[$kind].Id)) { return $false } }
        (Get-Content /proc/$($MountHolder.Id)/comm) -eq 'sleep' -and
        (Get-ChildItem /proc/$($FdHolder.Id)/fd -ErrorAction Ignore | Where-Object Name -eq '7') -and
            ((Get-Content /proc/$($FdHolder.Id)/comm) -eq 'sleep')
    }
    $script:All = Get-Namespace
    # lsns's TYPE names, as NsPS names them. (lsns -J nests some namespaces under others unless the columns are
    # named: every call below names them, for a flat list.)
    $script:TypeOf = @{ mnt = 'Mount'; uts = 'Uts'; ipc = 'Ipc'; pid = 'Pid'; net = 'Net'; user = 'User'; cgroup = 'Cgroup'; time = 'Time' }
    # util-linux 2.41 taught lsns to list namespaces that only an open descriptor keeps (it reads /proc/PID/fd).
    $script:LsnsVersion = [version]([regex]::Match((lsns --version), '\d+\.\d+').Value)
    $script:LsnsReadsFds = $LsnsVersion -ge [version]'2.41'
    # Where each namespace can be opened again (internal): checked where only a thread or a parent reaches it.
    $script:ReachPath = [NsPS.Namespace].GetProperty('ReachPath', [Reflection.BindingFlags]'NonPublic,Instance')
}

AfterAll {
    if (Get-Command Stop-Tree -ErrorAction Ignore) { Stop-Tree $Started }
    if ($NetnsName) { ip netns delete $NetnsName 2>$null }
    if ($HiddenFile) { Remove-Item $HiddenFile -Force -ErrorAction Ignore }
    if ('NsPSTestThread' -as [type]) { [NsPSTestThread]::Stop() }
}

Describe 'Get-Namespace' -Tag 'KernelSmoke' {
    Context 'finds a known population' {
        It 'finds the <_> namespace made by unshare, with its type, id, process count and lowest pid' -ForEach 'net', 'uts', 'ipc', 'mount', 'user', 'cgroup' {
            $p = $Population[$_]
            $inode = Get-NsInode "/proc/$($p.Id)/ns/$(if ($_ -eq 'mount') { 'mnt' } else { $_ })"
            $ns = $All | Where-Object Id -eq $inode
            $ns | Should -HaveCount 1
            $ns.Type | Should -Be ([NsPS.NamespaceType]$_)
            $ns.ProcessCount | Should -Be 1
            $ns.ProcessIds | Should -Be @($p.Id)
            $ns.Pid | Should -Be $p.Id
            $ns.Command | Should -Be 'sleep 600'
            $ns.IsCurrent | Should -BeFalse
        }

        It 'finds the <_> namespace that applies to the children of unshare --fork' -ForEach 'pid', 'time' {
            $child = Get-ChildPid $Population[$_].Id | Select-Object -First 1
            $inode = Get-NsInode "/proc/$child/ns/$_"
            $ns = $All | Where-Object { $_.Id -eq $inode }
            $ns.Type | Should -Be ([NsPS.NamespaceType]$_)
            $ns.ProcessIds | Should -Be @($child)
            (Get-NsInode "/proc/$($Population[$_].Id)/ns/$($_)_for_children") | Should -Be $inode
        }

        It 'finds a time namespace kept only for the children of one thread, and describes it from there' {
            # (An empty pid namespace cannot be seen: the kernel shows pid_for_children once its first process exists.)
            $link = "/proc/$PID/task/$ThreadId/ns/time_for_children"
            $inode = Get-NsInode $link
            $inode | Should -Not -Be (Get-NsInode "/proc/$PID/task/$ThreadId/ns/time")
            $ns = $All | Where-Object { $_.Type -eq 'Time' -and $_.Id -eq $inode }
            $ns | Should -HaveCount 1
            $ns.ProcessCount | Should -Be 0
            $ns.ThreadIds | Should -BeNullOrEmpty
            $ReachPath.GetValue($ns) | Should -Be $link
            Assert-UniqueId $ns
            $ns.Owner | Should -Be (Get-NsInode '/proc/self/ns/user')
        }

        It 'finds a net namespace persisted by ip netns add, with no process, by its name' {
            $inode = Get-NsInode "/run/netns/$NetnsName"
            $ns = $All | Where-Object { $_.Type -eq 'Net' -and $_.Id -eq $inode }
            $ns.ProcessCount | Should -Be 0
            $ns.Pid | Should -BeNullOrEmpty
            $ns.Name | Should -Be $NetnsName
            $ns.Paths | Should -Contain "/run/netns/$NetnsName"
        }

        It 'finds a net namespace held only by an open descriptor' {
            $inode = Get-NsInode "/proc/$($FdHolder.Id)/fd/7"
            (Get-NsInode "/proc/$($FdHolder.Id)/ns/net") | Should -Not -Be $inode
            $ns = $All | Where-Object { $_.Type -eq 'Net' -and $_.Id -eq $inode }
            $ns | Should -HaveCount 1
            $ns.ProcessCount | Should -Be 0
            $ns.Paths | Should -Contain "/proc/$($FdHolder.Id)/fd/7"
            # No process is in it: /proc agrees.
            @(Get-ChildItem /proc -Directory | Where-Object Name -match '^\d+$' | Where-Object {
                    (Get-Item "/proc/$($_.Name)/ns/net" -ErrorAction Ignore).LinkTarget -eq "net:[$inode]" }) | Should -BeNullOrEmpty
            # lsns before 2.41 does not see it; from 2.41 on it lists it, with no process.
            $listed = @((lsns -J -o NS,TYPE,NPROCS -t net | ConvertFrom-Json).namespaces | Where-Object ns -eq $inode)
            if ($LsnsReadsFds) {
                $listed | Should -HaveCount 1 -Because "lsns $LsnsVersion reads open descriptors"
                $listed[0].nprocs | Should -Be 0
            }
            else { $listed | Should -BeNullOrEmpty -Because "lsns $LsnsVersion reads no descriptors" }
        }

        It 'finds a net namespace held only by a bind mount in another mount namespace' {
            $inside = "/proc/$($MountHolder.Id)/root$HiddenFile"
            $inode = Get-NsInode $inside
            # From this mount namespace the file is a plain empty file.
            (Get-NsInode $HiddenFile) | Should -Not -Be $inode
            $ns = $All | Where-Object { $_.Type -eq 'Net' -and $_.Id -eq $inode }
            $ns | Should -HaveCount 1
            $ns.ProcessCount | Should -Be 0
            $ns.Paths | Should -Contain $inside
            (lsns -J -o NS,TYPE,NPROCS -t net | ConvertFrom-Json).namespaces.ns | Should -Not -Contain $inode
        }

        It 'finds a uts namespace held only by one thread of a process' {
            $ThreadId | Should -BeGreaterThan 0
            $inode = Get-NsInode "/proc/$PID/task/$ThreadId/ns/uts"
            $ns = $All | Where-Object { $_.Type -eq 'Uts' -and $_.Id -eq $inode }
            $ns | Should -HaveCount 1
            $ns.ThreadIds | Should -Be @($ThreadId)
            $ns.ProcessCount | Should -Be 0
            # Described through the thread itself.
            $ReachPath.GetValue($ns) | Should -Be "/proc/$PID/task/$ThreadId/ns/uts"
            Assert-UniqueId $ns
            $ns.Command | Should -Not -BeNullOrEmpty
        }

        It 'relates the user namespace to its owner and parent' {
            $p = $Population['user']
            $inode = Get-NsInode "/proc/$($p.Id)/ns/user"
            $ns = $All | Where-Object { $_.Type -eq 'User' -and $_.Id -eq $inode }
            $init = Get-NsInode '/proc/self/ns/user'
            $ns.Parent | Should -Be $init
            $ns.Owner | Should -Be $init
            $ns.OwnerUid | Should -Be ([uint32](id -u))
            # Unmapped until someone writes its maps.
            $ns.UidMap.Count | Should -Be 0
            ($All | Where-Object { $_.Type -eq 'User' -and $_.Id -eq $init }).UidMap.ToString() | Should -Be '0 0 4294967295'
        }

        It 'gives the net namespaces the NETNSID that lsns and ip netns list-id show' {
            # An id for the net namespace of a process (lsns shows NETNSID only for those before 2.42): ip netns
            # assigns ids by name, so name it for a moment.
            $p = $Population['net']
            $inode = Get-NsInode "/proc/$($p.Id)/ns/net"
            $moment = 'nsps-test-id-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
            ip netns attach $moment $p.Id
            try { ip netns set $moment auto }
            finally { ip netns delete $moment }
            ip netns set $NetnsName auto
            $lsns = (lsns -J -o NS,NETNSID -t net | ConvertFrom-Json).namespaces
            $mine = Get-Namespace -Type Net
            $assigned = @($lsns | Where-Object { $null -ne $_.netnsid -and $_.netnsid -ne 'unassigned' })
            $assigned.ns | Should -Contain $inode
            foreach ($l in $lsns) {
                $expected = if ($l -in $assigned) { [int]$l.netnsid } else { $null }
                ($mine | Where-Object Id -eq $l.ns).NetNsId | Should -Be $expected -Because "lsns shows NETNSID $($l.netnsid) for net:[$($l.ns)]"
            }
            # The named namespace has no process: ip netns list-id is the witness there.
            $listed = ip -j netns list-id | ConvertFrom-Json | Where-Object name -eq $NetnsName
            $listed | Should -HaveCount 1
            (Get-Namespace -Path "/run/netns/$NetnsName").NetNsId | Should -Be $listed.nsid
        }

        It 'exposes the kernel''s never-reused 64-bit id, where the kernel answers NS_GET_ID' {
            if ($HasNsGetId) {
                $All | Where-Object { $null -eq $_.UniqueId } | Should -BeNullOrEmpty
                ($All.UniqueId | Select-Object -Unique).Count | Should -Be $All.Count
            }
            else { $All | Where-Object { $null -ne $_.UniqueId } | Should -BeNullOrEmpty }
        }

        It 'marks the namespaces of the caller as current' {
            $current = $All | Where-Object IsCurrent
            $current.Count | Should -Be 8
            foreach ($ns in $current) {
                $link = @{ Mount = 'mnt' }[$ns.Type.ToString()] ?? $ns.Type.ToString().ToLower()
                $ns.Id | Should -Be (Get-NsInode "/proc/self/ns/$link")
            }
        }
    }

    Context 'agrees with lsns' {
        It 'reports every namespace lsns reports, with the same NS, TYPE, NPROCS and PID' {
            # Processes come and go (kernel workers, lsns itself): compare snapshots until one is stable.
            $mismatch = $null
            foreach ($try in 1..8) {
                $lsns = (lsns -J --output-all | ConvertFrom-Json).namespaces
                $mine = Get-Namespace
                $lsns2 = (lsns -J --output-all | ConvertFrom-Json).namespaces
                $mismatch = foreach ($l in $lsns) {
                    $m = $mine | Where-Object { $_.Id -eq $l.ns -and $_.Type -eq $TypeOf[$l.type] }
                    $l2 = $lsns2 | Where-Object { $_.ns -eq $l.ns -and $_.type -eq $l.type }
                    # lsns counts itself in the namespaces it shares with this process.
                    $self = if ($m -and $m.IsCurrent) { 1 } else { 0 }
                    if (-not $m) { "$($l.type):[$($l.ns)] missing" }
                    elseif ($m.ProcessCount + $self -ne $l.nprocs -or $l.nprocs -ne $l2.nprocs) { "$($l.type):[$($l.ns)] nprocs lsns=$($l.nprocs) mine=$($m.ProcessCount)" }
                    elseif ($m.Pid -ne $l.pid) { "$($l.type):[$($l.ns)] pid lsns=$($l.pid) mine=$($m.Pid)" }
                }
                if (-not $mismatch) { break }
            }
            $mismatch | Should -BeNullOrEmpty
        }

        It 'finds more than lsns: the ones only held by files and threads, and no process''s namespace that lsns missed' {
            $hidden = @(
                "Net:$(Get-NsInode "/proc/$($MountHolder.Id)/root$HiddenFile")"
                "Uts:$(Get-NsInode "/proc/$PID/task/$ThreadId/ns/uts")"
                "Time:$(Get-NsInode "/proc/$PID/task/$ThreadId/ns/time_for_children")"
                if (-not $LsnsReadsFds) { "Net:$(Get-NsInode "/proc/$($FdHolder.Id)/fd/7")" }
            )
            # Processes come and go: compare snapshots until one is stable.
            foreach ($try in 1..8) {
                $seen = @((lsns -J -o NS,TYPE | ConvertFrom-Json).namespaces | ForEach-Object { "$($TypeOf[$_.type]):$($_.ns)" })
                $extra = @(Get-Namespace | Where-Object { "$($_.Type):$($_.Id)" -notin $seen })
                # lsns reads every process's /proc/PID/ns: what it misses has no process in it.
                $withProcess = @($extra | Where-Object ProcessCount -gt 0 | ForEach-Object { "$($_.Type):$($_.Id)" })
                if (-not $withProcess) { break }
            }
            $withProcess | Should -BeNullOrEmpty
            foreach ($h in $hidden) { ($extra | ForEach-Object { "$($_.Type):$($_.Id)" }) | Should -Contain $h }
        }
    }

    Context 'parameters' {
        It 'filters by -Type <Types>: every namespace of those kinds, and no other' -ForEach @(
            @{ Types = 'Net', 'Uts'; Known = 'net', 'uts' }
            @{ Types = , 'Pid'; Known = , 'pid' }
        ) {
            # The population's namespaces of these kinds, with the ones lsns cannot see (a descriptor, another
            # mount namespace, a thread).
            $known = @(
                foreach ($kind in $Known) { "$($TypeOf[$kind]):$(Get-NsInode "/proc/$((Get-ChildPid $Population[$kind].Id | Select-Object -First 1) ?? $Population[$kind].Id)/ns/$kind")" }
                if ('Net' -in $Types) { "Net:$(Get-NsInode "/proc/$($FdHolder.Id)/fd/7")"; "Net:$(Get-NsInode "/proc/$($MountHolder.Id)/root$HiddenFile")" }
                if ('Uts' -in $Types) { "Uts:$(Get-NsInode "/proc/$PID/task/$ThreadId/ns/uts")" }
            )
            # The same kinds picked from the unfiltered list, and lsns's own list of them; processes come and go,
            # so compare snapshots until one is stable.
            foreach ($try in 1..8) {
                $filtered = @(Get-Namespace -Type $Types | ForEach-Object { "$($_.Type):$($_.Id)" } | Sort-Object)
                $picked = @(Get-Namespace | Where-Object { "$($_.Type)" -in $Types } | ForEach-Object { "$($_.Type):$($_.Id)" } | Sort-Object)
                $lsns = @(foreach ($t in $Types) { (lsns -J -o NS,TYPE -t $t.ToLower() | ConvertFrom-Json).namespaces | ForEach-Object { "$($TypeOf[$_.type]):$($_.ns)" } })
                $filteredAgain = @(Get-Namespace -Type $Types | ForEach-Object { "$($_.Type):$($_.Id)" } | Sort-Object)
                if (($filtered -join ' ') -eq ($picked -join ' ') -and ($filtered -join ' ') -eq ($filteredAgain -join ' ')) { break }
            }
            $filtered | Should -Be $picked
            $filtered | ForEach-Object { ($_ -split ':')[0] } | Select-Object -Unique | Sort-Object | Should -Be ($Types | Sort-Object)
            foreach ($k in $known + $lsns) { $filtered | Should -Contain $k }
        }

        It 'gives the namespaces of a process, like /proc/PID/ns' {
            $p = $Population['net']
            $r = Get-Namespace -ProcessId $p.Id
            $r | Should -HaveCount 8
            ($r | Where-Object Type -eq Net).Id | Should -Be (Get-NsInode "/proc/$($p.Id)/ns/net")
            ($r | Where-Object Type -eq Uts).Id | Should -Be (Get-NsInode "/proc/$($p.Id)/ns/uts")
        }

        It 'binds Get-Process output by property name, once per namespace' {
            $r = Get-Process -Id $Population['net'].Id, $Population['uts'].Id | Get-Namespace -Type Net, Uts
            $r | Should -HaveCount 4
            ($r | Group-Object Type, Id | Where-Object Count -gt 1) | Should -BeNullOrEmpty
        }

        It 'finds named namespaces by -Name, with wildcards' {
            (Get-Namespace -Name $NetnsName).Id | Should -Be (Get-NsInode "/run/netns/$NetnsName")
            (Get-Namespace -Name 'nsps-test-*').Name | Should -Contain $NetnsName
        }

        It 'describes any nsfs file by -Path' {
            $fd = "/proc/$($FdHolder.Id)/fd/7"
            (Get-Namespace -Path $fd).Id | Should -Be (Get-NsInode $fd)
            (Get-Namespace -Path "/proc/$($Population['ipc'].Id)/ns/ipc").Type | Should -Be 'Ipc'
            (Get-Namespace -Path "/run/netns/$NetnsName").Name | Should -Be $NetnsName
        }

        It 'finds namespaces by -NamespaceId' {
            $inode = Get-NsInode "/proc/$($Population['ipc'].Id)/ns/ipc"
            (Get-Namespace -NamespaceId $inode).Type | Should -Be 'Ipc'
        }
    }

    Context 'errors' {
        BeforeEach { $script:TraceBefore = Get-SystemTrace }
        # Each error leaves the system as it was.
        AfterEach { Compare-SystemTrace $TraceBefore (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty }

        It 'reports a process that does not exist as NsPS.ProcessNotFound' {
            $err = $null
            Get-Namespace -ProcessId 999999999 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.ProcessNotFound*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.ErrnoName | Should -Be 'ENOENT'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }

        It 'reports a file that is not a namespace as NsPS.NotANamespace' {
            $err = $null
            Get-Namespace -Path /etc/hostname -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NotANamespace*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }

        It 'reports a missing path as NsPS.PathNotFound' {
            $err = $null
            Get-Namespace -Path /run/netns/does-not-exist-here -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.PathNotFound*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.Errno | Should -Be 2
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }

        It 'reports an unknown name as NsPS.NameNotFound, but not an unmatched wildcard' {
            $err = $null
            Get-Namespace -Name 'no-such-name' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NameNotFound*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            $err = $null
            Get-Namespace -Name 'no-such-*' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err | Should -BeNullOrEmpty
        }
    }

    Context 'as a plain user' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root to run a plain user with setpriv' {
        BeforeAll {
            $script:Sandbox = New-UserSandbox
        }
        AfterAll {
            if ($Sandbox) { Remove-Item $Sandbox -Recurse -Force }
        }

        It 'lists what it can read and skips the rest' {
            $r = Invoke-AsUser $Sandbox { Get-Namespace -Verbose 4>&1 }
            $namespaces = $r | Where-Object { $_.PSObject.TypeNames -contains 'Deserialized.NsPS.Namespace' }
            $verbose = $r | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -or $_.PSObject.TypeNames -contains 'Deserialized.System.Management.Automation.VerboseRecord' }
            $errors = $r | Where-Object { $_.PSObject.TypeNames -match 'ErrorRecord' }
            $errors | Should -BeNullOrEmpty
            # Its own namespaces are there, root's unnamed sleeps are not.
            ($namespaces | Where-Object IsCurrent).Count | Should -Be 8
            $namespaces.Id | Should -Not -Contain (Get-NsInode "/proc/$($Population['uts'].Id)/ns/uts")
            # Named and bind-mounted namespaces are still found through the mount table.
            ($namespaces | Where-Object Name -eq $NetnsName) | Should -HaveCount 1
            ($verbose | Out-String) | Should -Match 'Skipping process \d+: Permission denied \(EACCES\)'
        }

        It 'refuses another user''s process with NsPS.ProcessNotReadable' {
            $r = Invoke-AsUser $Sandbox ([scriptblock]::Create("Get-Namespace -ProcessId $($Population['net'].Id)"))
            $r[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.ProcessNotReadable*'
            $r[0].ErrorCategory_Category | Should -Be ([int][System.Management.Automation.ErrorCategory]::PermissionDenied)
        }
    }
}
