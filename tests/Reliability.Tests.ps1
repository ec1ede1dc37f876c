#Requires -Version 7.4
# No leaks, no partial state, no wrong entry: cycles, faults and concurrency, measured on the real system.
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
    # build.ps1 -Task Soak sets NSPS_CYCLES=500; the test task runs the short variant.
    $script:Cycles = if ($env:NSPS_CYCLES) { [int]$env:NSPS_CYCLES } else { 50 }
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-LauncherDriver
    $script:Prefix = 'nsps-r-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
    $script:Cycles = if ($env:NSPS_CYCLES) { [int]$env:NSPS_CYCLES } else { 50 }
    function Get-Threads { @(Get-ChildItem /proc/self/task).Count }
}

Describe 'Leaks' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
    It '<Cycles> cycles of New (named and unnamed), Enter (-FilePath and -ScriptBlock) and Remove leave nothing behind' {
        # One cycle first, so that the runtime has opened what it keeps open anyway.
        $warm = New-Namespace -Type Net, Uts, Pid -Name "$Prefix-warm"
        $warm | Enter-Namespace -FilePath true
        $warm | Enter-Namespace { 1 } | Out-Null
        Remove-Namespace -Name "$Prefix-warm"
        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        $before = Get-SystemTrace
        $threads = Get-Threads

        for ($i = 0; $i -lt $Cycles; $i++) {
            $name = if ($i % 2) { "$Prefix-$i" } else { $null }
            $set = if ($name) { New-Namespace -Type Net, Uts, Ipc, Pid, Mount -Name $name -Hostname "c$i" -MountProc }
                   else { New-Namespace -Type Net, Uts, Ipc, Pid, Mount -Hostname "c$i" -MountProc }
            $set | Enter-Namespace -FilePath hostname | Should -Be "c$i"
            $set | Enter-Namespace { hostname } | Should -Be "c$i"
            if ($name) { Remove-Namespace -Name $name } else { $set | Remove-Namespace }
        }

        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        $after = Get-SystemTrace
        Compare-SystemTrace $before $after -Ignore Fds | Should -BeNullOrEmpty
        # The runtime may open a descriptor or two on its own (a new thread-pool worker); a leak would grow with the cycles.
        $after.Fds | Should -BeLessOrEqual ($before.Fds + 4)
        # The thread pool may keep a worker or two; it must not grow with the cycles.
        (Get-Threads) | Should -BeLessOrEqual ($threads + 4)
    }
}

Describe 'Faults' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
    It 'a holder killed with SIGKILL: the objects report it gone, Remove cleans up what is left' {
        $name = "$Prefix-killed"
        $set = New-Namespace -Type Net, Uts, Pid -Name $name
        $before = $set[0].HolderPid
        kill -KILL $before
        Wait-Until { -not (Get-Namespace -Name $name | Where-Object HolderPid) } | Out-Null
        $err = $null
        Enter-Namespace -Name $name -FilePath true -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.HolderGone*'
        $set | Enter-Namespace -FilePath true -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NamespaceGone*'
        $trace = Get-SystemTrace
        $trace.Mounts -join "`n" | Should -Match "/run/nsps/$name/net"
        Remove-Namespace -Name $name
        $after = Get-SystemTrace
        $after.Mounts -join "`n" | Should -Not -Match $name
        $after.RunNsPS | Should -Not -Contain $name
        $after.RunNetns | Should -Not -Contain $name
        $after.Zombies | Should -BeNullOrEmpty
    }

    It 'the launcher killed during setup leaves nothing behind' {
        # Drive the launcher as the module does, and kill it while it waits for the id maps.
        $before = Get-SystemTrace
        $pair = [NsPS.Tests.LauncherDriver]::SeqPacketPair()
        $launcher = [NsPS.Tests.LauncherDriver]::Spawn($LauncherPath, [string[]]@('nsps-launcher'), $pair.Item2)
        [void][Tmds.Linux.LibC]::close($pair.Item2)
        try {
            [NsPS.Tests.LauncherDriver]::Send($pair.Item1, "mode=create`ntypes=user,net,uts,pid`nwaitmap=1`n")
            $report = [NsPS.Tests.LauncherDriver]::Receive($pair.Item1, $PatienceMs) | ConvertFrom-Json
            $report.event | Should -Be 'userns'
            kill -KILL $launcher
            [NsPS.Tests.LauncherDriver]::Wait($launcher, $true) | Out-Null
            [NsPS.Tests.LauncherDriver]::Receive($pair.Item1, $PatienceMs) | Should -BeNullOrEmpty
        }
        finally { [void][Tmds.Linux.LibC]::close($pair.Item1) }
        Compare-SystemTrace $before (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
    }

    It 'a launcher killed while a program runs is reported, and the program goes with it' {
        $set = New-Namespace -Type Uts
        try {
            $ps = [PowerShell]::Create()
            $null = $ps.AddScript("Import-Module '$ModuleManifest'; Enter-Namespace -ProcessId $($set.HolderPid) -Type Uts -FilePath sleep -ArgumentList 1002 -ErrorVariable e -ErrorAction SilentlyContinue; `$e")
            $async = $ps.BeginInvoke()
            Wait-Until { pgrep -x -f 'sleep 1002' } | Out-Null
            # The launcher is the program's parent.
            $launcher = [int](ps -o ppid= -p (pgrep -x -f 'sleep 1002')).Trim()
            (Get-Content "/proc/$launcher/comm") | Should -Be 'nsps-launcher'
            kill -KILL $launcher
            $errors = $ps.EndInvoke($async)
            $ps.Dispose()
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.LauncherDied*'
            Wait-Until { -not (pgrep -x -f 'sleep 1002') } | Should -BeTrue
        }
        finally { $set | Remove-Namespace }
    }

    It 'pwsh killed: unnamed holders die, named ones stay and are found again by a new session' {
        $name = "$Prefix-survivor"
        $cmd = @(Get-PwshCommand)
        $child = Start-Background $cmd[0] (@($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command',
            "Import-Module '$ModuleManifest'; `$u = New-Namespace -Type Net; `$n = New-Namespace -Type Net -Name $name; [Console]::Out.WriteLine(`"`$(`$u.HolderPid) `$(`$n.HolderPid)`"); [Console]::Out.Flush(); Start-Sleep 600")) -RedirectOutput
        $unnamed, $named = ($child.StandardOutput.ReadLine() -split ' ') | ForEach-Object { [int]$_ }
        $child.Kill()
        $child.WaitForExit()
        try {
            Wait-Until { -not (Test-Path "/proc/$unnamed/ns") } | Out-Null
            Test-Path "/proc/$named/ns" | Should -BeTrue
            Invoke-Pwsh "Import-Module '$ModuleManifest'; (Get-Namespace -Name $name).HolderPid" | Should -Be "$named"
        }
        finally { Remove-Namespace -Name $name }
        Wait-Until { -not (Test-Path "/proc/$named/ns") } | Out-Null
    }

    It 'max_net_namespaces lowered inside a user namespace: ENOSPC with the limit named' {
        $cmd = @(Get-PwshCommand)
        $script = "Import-Module '$ModuleManifest'; New-Namespace -Type Net -ErrorAction SilentlyContinue -ErrorVariable e | Out-Null; " +
            "[pscustomobject]@{ Id = `$e[0].FullyQualifiedErrorId; Errno = `$e[0].Exception.ErrnoName; Hint = `$e[0].ErrorDetails.RecommendedAction } | ConvertTo-Json -Compress"
        $quoted = ($cmd + @('-NoProfile', '-NonInteractive', '-Command', $script) | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
        $r = unshare --user --map-root-user sh -c "echo 0 > /proc/sys/user/max_net_namespaces && exec $quoted" | ConvertFrom-Json
        $r.Id | Should -BeLike 'NsPS.UnshareFailed*'
        $r.Errno | Should -Be 'ENOSPC'
        $r.Hint | Should -Match 'max_net_namespaces \(0 '
    }
}

Describe 'Concurrency' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
    It '8 runspaces x <Cycles> New/Enter/Remove cycles on distinct names all succeed' {
        $before = Get-SystemTrace
        $results = 1..8 | ForEach-Object -ThrottleLimit 8 -Parallel {
            Import-Module $using:ModuleManifest
            $ok = 0
            for ($i = 0; $i -lt $using:Cycles; $i++) {
                $name = "$($using:Prefix)-p$($_)-$i"
                $set = New-Namespace -Type Net, Uts -Name $name -Hostname "p$($_)"
                if ((Enter-Namespace -Name $name -FilePath hostname) -eq "p$($_)") { $ok++ }
                Remove-Namespace -Name $name
            }
            $ok
        }
        ($results | Measure-Object -Sum).Sum | Should -Be (8 * $Cycles)
        Compare-SystemTrace $before (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
    }

    It 'two runspaces racing for one name: exactly one wins, the other gets NsPS.NameTaken' {
        foreach ($round in 1..10) {
            $name = "$Prefix-race-$round"
            $outcomes = 1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
                Import-Module $using:ModuleManifest
                $set = New-Namespace -Type Net -Name $using:name -ErrorVariable e -ErrorAction SilentlyContinue
                if ($set) { 'won' } else { $e[0].FullyQualifiedErrorId.Split(',')[0] }
            }
            try {
                ($outcomes | Sort-Object) | Should -Be @('NsPS.NameTaken', 'won')
            }
            finally { Remove-Namespace -Name $name -ErrorAction Ignore }
        }
    }
}

Describe 'Security boundaries' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
    BeforeAll {
        $script:Sandbox = New-UserSandbox
        $script:RootName = "$Prefix-root"
        $script:RootSet = New-Namespace -Type Net, Uts -Name $RootName -Hostname root-only
    }
    AfterAll {
        Remove-Namespace -Name $RootName -ErrorAction Ignore
        if ($Sandbox) { Remove-Item $Sandbox -Recurse -Force }
        Remove-Item /tmp/nsps-65534, /tmp/nsps-65534-target -Recurse -Force -ErrorAction Ignore
    }

    It 'a plain user cannot enter root''s named sets' {
        $r = Invoke-AsUser $Sandbox ([scriptblock]::Create(@"
Enter-Namespace -ProcessId $($RootSet[0].HolderPid) -FilePath hostname
Enter-Namespace -Name $RootName -FilePath hostname
"@))
        $r.FullyQualifiedErrorId | ForEach-Object { $_.Split(',')[0] } | Should -Be @('NsPS.EnterRefused', 'NsPS.EnterRefused')
    }

    It 'a plain user cannot read root''s state folder' {
        (Get-Item /run/nsps/$RootName).UnixFileMode.ToString() | Should -Be 'UserExecute, UserWrite, UserRead'
        $r = Invoke-AsUser $Sandbox ([scriptblock]::Create(@"
Test-Path /run/nsps/$RootName/state.json -ErrorAction SilentlyContinue
try { Get-Content /run/nsps/$RootName/state.json -ErrorAction Stop } catch { `$_.Exception.GetType().Name }
"@))
        $r | Should -Be @($false, 'UnauthorizedAccessException')
    }

    It 'a plain user cannot remove root''s names' {
        $r = Invoke-AsUser $Sandbox ([scriptblock]::Create("Remove-Namespace -Name $RootName"))
        $r[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NamespaceNotFound*'
        Test-Path "/proc/$($RootSet[0].HolderPid)/ns" | Should -BeTrue
        (ip netns list) | Where-Object { $_ -match "^$RootName\b" } | Should -Not -BeNullOrEmpty
    }

    It 'names cannot escape the run folder: <_>' -ForEach '../escape', '../../escape' {
        $name = $_
        # Where the name would land from the plain user's state folder: /tmp/escape, /escape.
        $landing = [IO.Path]::GetFullPath($name, '/tmp/nsps-65534/')
        $landing | Should -Not -Exist -Because 'nothing is there before the test'
        $before = Get-SystemTrace
        $r = Invoke-AsUser $Sandbox ([scriptblock]::Create("New-Namespace -Type Net -Name '$name'"))
        $r | Should -HaveCount 1
        $r[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.InvalidName*'
        $landing | Should -Not -Exist
        Compare-SystemTrace $before (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
    }

    It 'state is never written through a symlink planted in place of the user''s state folder' {
        New-Item -ItemType Directory /tmp/nsps-65534-target | Out-Null
        New-Item -ItemType SymbolicLink -Path /tmp/nsps-65534 -Target /tmp/nsps-65534-target | Out-Null
        try {
            $r = Invoke-AsUser $Sandbox { $n = @(Get-Process nsps-holder -ErrorAction Ignore).Count; New-Namespace -Type Net -Name planted; @(Get-Process nsps-holder -ErrorAction Ignore).Count - $n }
            $r[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.StateFolderRefused*'
            @(Get-ChildItem /tmp/nsps-65534-target).Count | Should -Be 0
            $r[1] | Should -Be 0
        }
        finally { Remove-Item /tmp/nsps-65534, /tmp/nsps-65534-target -Recurse -Force -ErrorAction Ignore }
    }

    It 'state files are private to their owner' {
        $r = Invoke-AsUser $Sandbox {
            $s = New-Namespace -Type Net -Name private
            (Get-Item /tmp/nsps-65534).UnixFileMode.ToString()
            (Get-Item /tmp/nsps-65534/private).UnixFileMode.ToString()
            (Get-Item /tmp/nsps-65534/private/state.json).UnixFileMode.ToString()
            Remove-Namespace -Name private
        }
        $r | Should -Be @('UserExecute, UserWrite, UserRead', 'UserExecute, UserWrite, UserRead', 'UserWrite, UserRead')
    }
}
