#Requires -Version 7.4
# The seed's demos as a reader runs them: NsPS cmdlets only, as root and as a plain user. The real tools
# appear only as witnesses of the host's side (hostname, ipcs, /proc); nothing inside is looked at with
# nsenter, unshare or ip netns exec.
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
    $script:DemoNames = @('PID', 'UTS', 'IPC', 'Net', 'Mount', 'Time', 'Cgroup') | ForEach-Object { @{ Demo = $_ } }
}

BeforeAll {
    . $PSScriptRoot/common.ps1

    # Every demo, run by whoever calls it; it returns what each showed inside, for the tests to check. It is
    # self-contained, because it also runs in a child pwsh as a plain user.
    $script:Demos = {
        $tag = 'nsps-demo-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $r = [ordered]@{ Uid = [int](id -u) }
        function Exit-Code([object[]] $Output) { @($Output | Where-Object { $_ -is [NsPS.RunResult] })[0].ExitCode }
        function Text([object[]] $Output) { @($Output | Where-Object { $_ -is [string] }) }

        # PID: a fresh /proc in a new pid namespace; ps and Get-Process inside.
        $s = New-Namespace -Type Pid, Mount -MountProc
        try {
            $r.PidTypes = @($s.Type | ForEach-Object { "$_" })
            $out = $s | Enter-Namespace -FilePath ps -ArgumentList 'ax', '-o', 'pid=,comm=' -PassThru
            $r.PsExit = Exit-Code $out
            $r.Ps = @(Text $out | ForEach-Object { $_.Trim() })
            $r.PsAux = @(Text ($s | Enter-Namespace -FilePath ps -ArgumentList 'aux'))
            $r.GetProcess = @($s | Enter-Namespace { Get-Process | ForEach-Object { "$($_.Id) $($_.ProcessName)" } })
            $r.PidByProcessId = @(Enter-Namespace -ProcessId $s[0].HolderPid -FilePath ps -ArgumentList 'ax', '-o', 'pid=' | ForEach-Object { $_.Trim() })
        }
        finally { $s | Remove-Namespace }

        # UTS: hostname -b inside; the host keeps its name.
        $s = New-Namespace -Type Uts -Name "$tag-uts"
        try {
            $r.HostnameSet = Exit-Code ($s | Enter-Namespace -FilePath hostname -ArgumentList '-b', $tag -PassThru)
            $r.HostnameInside = @(Text ($s | Enter-Namespace -FilePath hostname))
            $r.HostnameByName = @(Text (Enter-Namespace -Name "$tag-uts" -FilePath hostname))
            $r.HostnameByProcessId = @(Text (Enter-Namespace -ProcessId $s[0].HolderPid -FilePath hostname))
            $r.HostnameOutside = hostname
        }
        finally { Remove-Namespace -Name "$tag-uts" }
        $r.Tag = $tag

        # IPC: a message queue made inside is listed inside only.
        $s = New-Namespace -Type Ipc
        try {
            $r.Ipcmk = @(Text ($s | Enter-Namespace -FilePath ipcmk -ArgumentList '-Q'))
            $r.IpcsInside = @(Text ($s | Enter-Namespace -FilePath ipcs -ArgumentList '-q'))
            $r.IpcsHost = @(ipcs -q)
        }
        finally { $s | Remove-Namespace }

        # Net: only lo.
        $s = New-Namespace -Type Net
        try {
            $r.Links = @((Text ($s | Enter-Namespace -FilePath ip -ArgumentList '-j', 'address')) -join '' | ConvertFrom-Json | ForEach-Object ifname)
        }
        finally { $s | Remove-Namespace }

        # Mount: a tmpfs mounted inside shows in the inside mountinfo only.
        $s = New-Namespace -Type Mount
        try {
            $r.MountExit = Exit-Code ($s | Enter-Namespace -FilePath mount -ArgumentList '-t', 'tmpfs', $tag, '/mnt' -PassThru)
            $r.MountInside = @(Text ($s | Enter-Namespace -FilePath cat -ArgumentList '/proc/self/mountinfo') | Where-Object { $_ -match $tag }).Count
            $r.MountHost = @(Get-Content /proc/self/mountinfo | Where-Object { $_ -match $tag }).Count
        }
        finally { $s | Remove-Namespace }

        # Time and cgroup: a boottime offset in /proc/uptime inside; the cgroup namespace rooted at the holder's cgroup.
        $s = New-Namespace -Type Time, Cgroup -BoottimeOffset ([TimeSpan]::FromDays(3))
        try {
            $before = [double]((Get-Content /proc/uptime) -split ' ')[0]
            $r.UptimeInside = [double]((Text ($s | Enter-Namespace -FilePath cat -ArgumentList '/proc/uptime')) -split ' ')[0]
            $r.UptimeBefore = $before
            $r.UptimeAfter = [double]((Get-Content /proc/uptime) -split ' ')[0]
            $r.CgroupInside = @(Text ($s | Enter-Namespace -FilePath cat -ArgumentList '/proc/self/cgroup'))
            $r.CgroupLink = @(Text ($s | Enter-Namespace -FilePath readlink -ArgumentList '/proc/self/ns/cgroup'))
            $r.CgroupId = ($s | Where-Object Type -eq Cgroup).Id
            $r.CgroupHost = (Get-Item /proc/self/ns/cgroup).LinkTarget
        }
        finally { $s | Remove-Namespace }

        [pscustomobject]$r
    }

    # The user demo: root inside a user namespace of one's own, and still no power over the machine. It runs
    # reboot, so it refuses to run as root.
    $script:UserDemo = {
        if ((id -u) -eq '0') { throw 'The user demo runs reboot: it runs only as a plain user.' }
        $r = [ordered]@{}
        foreach ($how in 'MapRootUser', 'Added') {
            $s = if ($how -eq 'MapRootUser') { New-Namespace -Type User -MapRootUser } else { New-Namespace -Type Uts }
            try {
                $r["Id$how"] = @($s | Enter-Namespace -FilePath id | Where-Object { $_ -is [string] })
                $reboot = $s | Enter-Namespace -FilePath reboot -PassThru 2>&1
                $r["Reboot$how"] = @($reboot | Where-Object { $_ -is [NsPS.RunResult] })[0].ExitCode
            }
            finally { $s | Remove-Namespace }
        }
        $r.Uptime = [double]((Get-Content /proc/uptime) -split ' ')[0]
        [pscustomobject]$r
    }

    # What every run of $Demos must show, whoever ran it: one check per demo.
    $script:Checks = @{
        PID    = {
            param($r)
            $r.PidTypes | Should -Contain 'Pid'
            $r.PidTypes | Should -Contain 'Mount'
            $r.PsExit | Should -Be 0
            # The holder is PID 1, and ps itself is the only other process: nothing of the host.
            $r.Ps | Should -Contain '1 nsps-holder'
            $r.Ps.Count | Should -Be 2
            $r.PsAux[0] | Should -Match '^USER\s+PID'
            @($r.PsAux | Select-Object -Skip 1 | ForEach-Object { ($_ -split '\s+')[1] }) | Should -Contain '1'
            $r.PsAux.Count | Should -Be 3
            # Get-Process inside agrees: PID 1 is the holder, and the pwsh that ran it is the only other one.
            $r.GetProcess | Should -Contain '1 nsps-holder'
            $r.GetProcess.Count | Should -Be 2
            $r.PidByProcessId | Should -Contain '1'
            $r.PidByProcessId.Count | Should -Be 2
        }
        UTS    = {
            param($r)
            $r.HostnameSet | Should -Be 0
            $r.HostnameInside | Should -Be $r.Tag
            $r.HostnameByName | Should -Be $r.Tag
            $r.HostnameByProcessId | Should -Be $r.Tag
            $r.HostnameOutside | Should -Not -Be $r.Tag
            (hostname) | Should -Not -Be $r.Tag
        }
        IPC    = {
            param($r)
            $r.Ipcmk | Should -Match '^Message queue id: \d+$'
            $key = @($r.IpcsInside | Where-Object { $_ -match '^0x[0-9a-f]+\s' })
            $key.Count | Should -Be 1
            $key = ($key[0] -split '\s+')[0]
            $r.IpcsHost -join "`n" | Should -Not -Match "(?m)^$key\s"
        }
        Net    = {
            param($r)
            $r.Links | Should -Be @('lo')
        }
        Mount  = {
            param($r)
            $r.MountExit | Should -Be 0
            $r.MountInside | Should -Be 1
            $r.MountHost | Should -Be 0
            (Get-Content /proc/self/mountinfo -Raw) | Should -Not -Match $r.Tag
        }
        Time   = {
            param($r)
            $offset = 3 * 86400
            $r.UptimeInside | Should -BeGreaterOrEqual ($r.UptimeBefore + $offset - 1)
            $r.UptimeInside | Should -BeLessOrEqual ($r.UptimeAfter + $offset + 1)
        }
        Cgroup = {
            param($r)
            # The program is in the new cgroup namespace, rooted at the holder's cgroup, which it shares: every
            # hierarchy shows its root there.
            $r.CgroupLink | Should -Be "cgroup:[$($r.CgroupId)]"
            $r.CgroupHost | Should -Not -Be "cgroup:[$($r.CgroupId)]"
            $r.CgroupInside | Should -Contain '0::/'
            $r.CgroupInside | Where-Object { $_ -notmatch ':/$' } | Should -BeNullOrEmpty
        }
    }
}

Describe 'The seed''s demos through the cmdlets' -Tag 'KernelSmoke' {
    Context 'as root' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        BeforeAll {
            $script:Result = & $Demos
        }

        It 'runs as root' { $Result.Uid | Should -Be 0 }
        It '<Demo>: inside shows what it should, and the host is untouched' -ForEach $DemoNames { & $Checks[$Demo] $Result }
    }

    # Root runs them as the plain user 65534 (setpriv); a plain user runs them as itself.
    Context 'as a plain user' {
        BeforeAll {
            $script:AsRoot = (id -u) -eq '0'
            function Invoke-Plain([scriptblock] $Block) { if ($AsRoot) { Invoke-AsUser $Sandbox $Block } else { & $Block } }
            $script:Sandbox = if ($AsRoot) { New-UserSandbox }
            $script:Result = Invoke-Plain $Demos
        }
        AfterAll {
            if ($Sandbox) { Remove-Item $Sandbox -Recurse -Force }
            if ($AsRoot) { Remove-Item /tmp/nsps-65534 -Recurse -Force -ErrorAction Ignore }
        }

        It 'runs as a plain user' { $Result.Uid | Should -Not -Be 0 }
        It '<Demo>: inside shows what it should, and the host is untouched' -ForEach $DemoNames { & $Checks[$Demo] $Result }

        It 'User: id inside shows root, and reboot inside is refused while the machine stays up' {
            $up = [double]((Get-Content /proc/uptime) -split ' ')[0]
            $r = Invoke-Plain $UserDemo
            foreach ($how in 'MapRootUser', 'Added') {
                $r."Id$how" | Should -Match '^uid=0\(root\) gid=0\(root\)'
                $r."Reboot$how" | Should -Not -BeNullOrEmpty
                $r."Reboot$how" | Should -Not -Be 0
            }
            # Still the same boot: the uptime only grew.
            $r.Uptime | Should -BeGreaterOrEqual $up
            [double]((Get-Content /proc/uptime) -split ' ')[0] | Should -BeGreaterOrEqual $r.Uptime
        }
    }
}
