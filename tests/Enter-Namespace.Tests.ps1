#Requires -Version 7.4
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    $script:Prefix = 'nsps-e-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
}

Describe 'Enter-Namespace' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
    BeforeAll {
        $script:Set = New-Namespace -Type Net, Uts, Ipc, Pid, Mount -Hostname nsps-inside -MountProc
    }
    AfterAll {
        if ($Set) { $Set | Remove-Namespace -ErrorAction Ignore }
    }

    Context 'the demos, driven through Enter-Namespace' -Tag 'KernelSmoke' {
        It 'UTS: hostname inside' {
            $Set | Enter-Namespace -FilePath hostname | Should -Be 'nsps-inside'
            hostname | Should -Not -Be 'nsps-inside'
        }

        It 'PID: ps and Get-Process inside see the holder as PID 1 and nothing of the host' {
            $ps = $Set | Enter-Namespace -FilePath ps -ArgumentList '-eo', 'pid=,comm='
            ($ps | ForEach-Object { $_.Trim() }) | Should -Contain '1 nsps-holder'
            $ps.Count | Should -Be 2
            $procs = $Set | Enter-Namespace { Get-Process | Select-Object Id, ProcessName }
            ($procs | Where-Object Id -eq 1).ProcessName | Should -Be 'nsps-holder'
            $procs.Count | Should -Be 2      # the holder and the pwsh running the script block
        }

        It 'IPC: a queue made inside is seen by ipcs -q inside only' {
            $made = $Set | Enter-Namespace -FilePath ipcmk -ArgumentList '-Q'
            $qid = $made -replace '\D', ''
            ($Set | Enter-Namespace -FilePath ipcs -ArgumentList '-q') -join "`n" | Should -Match "\b$qid\b"
            ((ipcs -q) -join "`n") | Should -Not -Match "0x[0-9a-f]+\s+$qid\s"
        }

        It 'Net: ip link inside shows only lo' {
            ($Set | Enter-Namespace -FilePath ip -ArgumentList '-j', 'link' | ConvertFrom-Json).ifname | Should -Be 'lo'
        }

        It 'Mount: Get-Content /proc/self/mountinfo inside shows the fresh /proc of the set' {
            $inside = $Set | Enter-Namespace { Get-Content /proc/self/mountinfo }
            ($inside | Where-Object { ($_ -split ' ')[4] -eq '/proc' }).Count | Should -BeGreaterThan 0
            (Get-NsInode /proc/self/ns/mnt) | Should -Not -Be ($Set | Where-Object Type -eq Mount).Id
            # The mount namespace is its own: a mount made inside stays inside.
            $Set | Enter-Namespace -FilePath mount -ArgumentList '-t', 'tmpfs', 'nsps-enter-tmpfs', '/mnt'
            ($Set | Enter-Namespace { Get-Content /proc/self/mountinfo }) -join "`n" | Should -Match 'nsps-enter-tmpfs'
            (Get-Content /proc/self/mountinfo -Raw) | Should -Not -Match 'nsps-enter-tmpfs'
        }

        It 'User: id inside a mapped user namespace shows the mapped ids, and outside they are the ids they map to' {
            $user = New-Namespace -Type User, Uts -UidMap '0 100000 1000' -GidMap '0 100000 1000'
            $file = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-owner"
            try {
                $user | Enter-Namespace -FilePath id | Should -Be 'uid=0(root) gid=0(root) groups=0(root)'
                $user | Enter-Namespace -FilePath id -ArgumentList '-u' -Uid 5 | Should -Be '5'
                # Seen from outside (stat in the host's user namespace), what the process makes belongs to the ids
                # that the map gives its ids: 0 is 100000, 5 is 100005, 7 is 100007.
                $user | Enter-Namespace -FilePath touch -ArgumentList "$file-root"
                $user | Enter-Namespace -FilePath touch -ArgumentList "$file-5" -Uid 5 -Gid 7
                stat -c '%u %g' "$file-root" | Should -Be '100000 100000'
                stat -c '%u %g' "$file-5" | Should -Be '100005 100007'
                # And inside, the same files belong to the ids inside.
                $user | Enter-Namespace -FilePath stat -ArgumentList '-c', '%u %g', "$file-root", "$file-5" | Should -Be @('0 0', '5 7')
            }
            finally {
                $user | Remove-Namespace
                Remove-Item "$file-root", "$file-5" -Force -ErrorAction Ignore
            }
        }
    }

    Context '-ScriptBlock returns real objects' {
        It 'returns numbers, arrays, hashtables and custom objects with their types' {
            $r = $Set | Enter-Namespace { 42; 'text'; , @(1, 2, 3); @{ Key = 'value' }; [pscustomobject]@{ Name = 'n'; Count = 3 } }
            $r[0] | Should -Be 42
            $r[0] | Should -BeOfType [int]
            $r[1] | Should -Be 'text'
            $r[2] | Should -Be @(1, 2, 3)
            $r[3]['Key'] | Should -Be 'value'
            $r[3] | Should -BeOfType [hashtable]
            $r[4].Name | Should -Be 'n'
            $r[4].Count | Should -Be 3
            $r[4].PSObject.TypeNames | Should -Contain 'Deserialized.System.Management.Automation.PSCustomObject'
        }

        It 'brings errors, warnings and verbose messages back on their streams' {
            $err = $null; $warn = $null
            $out = $Set | Enter-Namespace { Write-Error 'it broke inside' -ErrorId 'Inside.Broken'; Write-Warning 'careful'; Write-Verbose 'detail'; 'done' } -ErrorVariable err -WarningVariable warn -ErrorAction SilentlyContinue -Verbose 4>&1
            $err[0].Exception.Message | Should -Be 'it broke inside'
            $err[0].FullyQualifiedErrorId | Should -BeLike 'Inside.Broken*'
            $warn | Should -Be 'careful'
            ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain 'detail'
            $out | Should -Contain 'done'
        }

        It 'turns a terminating error inside into an error outside, with exit code 1' {
            $err = $null
            $Set | Enter-Namespace { throw 'fatal inside' } -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].Exception.Message | Should -Be 'fatal inside'
            $LASTEXITCODE | Should -Be 1
        }

        It 'passes -ArgumentList values intact' {
            $r = $Set | Enter-Namespace { param($n, $h, $list, $text) $n + 1; $h.k; $list.Count; $text } -ArgumentList 41, @{ k = 'v' }, @(1, 2, 3), "two`nlines"
            $r | Should -Be @(42, 'v', 3, "two`nlines")
        }

        It 'rejects $using: with a clear message, and runs nothing' {
            $x = 1
            $trace = Get-SystemTrace
            # A terminating error: nothing of the block can run.
            $out = $thrown = $null
            try { $out = $Set | Enter-Namespace { $using:x; 'ran' } } catch { $thrown = $_ }
            $out | Should -BeNullOrEmpty
            $thrown.FullyQualifiedErrorId | Should -BeLike 'NsPS.UsingNotSupported*'
            $thrown.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $thrown.Exception.Message | Should -Be 'The script block uses $using:, which Enter-Namespace does not support.'
            $thrown.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            Compare-SystemTrace $trace (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
        }
    }

    Context '-FilePath runs a program' {
        It 'streams standard output line by line as it comes' {
            # The program writes 'one', then waits (at most 60 s) for the caller to answer 'one' with a file: the
            # file can only come while the program runs if 'one' arrived before the program ended.
            $marker = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-streamed"
            $wait = "echo one; i=0; while [ ! -e '$marker' ] && [ `$i -lt 6000 ]; do sleep 0.01; i=`$((i+1)); done; [ -e '$marker' ] && echo answered || echo 'not answered'"
            try {
                $out = $Set | Enter-Namespace -FilePath sh -ArgumentList '-c', $wait | ForEach-Object {
                    if ($_ -eq 'one') { New-Item -ItemType File $marker | Out-Null }
                    $_
                }
                $out | Should -Be @('one', 'answered')
            }
            finally { Remove-Item $marker -Force -ErrorAction Ignore }
        }

        It 'writes standard error to the error stream and sets $LASTEXITCODE; -PassThru gives the result' {
            $err = $null
            $out = $Set | Enter-Namespace -FilePath sh -ArgumentList '-c', 'echo out; echo oops >&2; exit 7' -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
            $out[0] | Should -Be 'out'
            $out[1] | Should -BeOfType [NsPS.RunResult]
            $out[1].ExitCode | Should -Be 7
            $out[1].Pid | Should -BeGreaterThan 0
            $err[0].Exception.Message | Should -Be 'oops'
            $LASTEXITCODE | Should -Be 7
        }

        It 'reports a signal' {
            $r = $Set | Enter-Namespace -FilePath sh -ArgumentList '-c', 'kill -TERM $$' -PassThru
            $r.Signal | Should -Be 15
            $r.ExitCode | Should -BeNullOrEmpty
            $LASTEXITCODE | Should -Be 143
        }

        It 'honours -WorkingDirectory and -Environment' {
            $Set | Enter-Namespace -FilePath sh -ArgumentList '-c', 'pwd; echo $NSPS_TEST' -WorkingDirectory /tmp -Environment @{ NSPS_TEST = 'set' } |
                Should -Be @('/tmp', 'set')
        }

        It 'reports a program that does not exist as NsPS.ProgramNotFound' {
            $trace = Get-SystemTrace
            $err = $null
            $Set | Enter-Namespace -FilePath /no/such/program -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.ProgramNotFound*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.ErrnoName | Should -Be 'ENOENT'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            Compare-SystemTrace $trace (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
        }
    }

    Context 'targets' -Tag 'KernelSmoke' {
        It 'enters the namespaces of a process with -ProcessId and -Type' {
            $Set | Enter-Namespace -FilePath hostname | Should -Be 'nsps-inside'
            Enter-Namespace -ProcessId $Set[0].HolderPid -Type Uts -FilePath hostname | Should -Be 'nsps-inside'
            # Only uts: the net namespace stays the caller's.
            (Enter-Namespace -ProcessId $Set[0].HolderPid -Type Uts -FilePath readlink -ArgumentList /proc/self/ns/net) | Should -Be (readlink /proc/self/ns/net)
        }

        It 'enters a named set with -Name' {
            $name = "$Prefix-named"
            New-Namespace -Type Net, Uts -Name $name -Hostname $name | Out-Null
            try {
                Enter-Namespace -Name $name -FilePath hostname | Should -Be $name
                (Enter-Namespace -Name $name -FilePath ip -ArgumentList '-j', 'link' | ConvertFrom-Json).ifname | Should -Be 'lo'
            }
            finally { Remove-Namespace -Name $name }
        }

        It 'enters a namespace made by ip netns add, and one made by unshare (interop)' {
            $name = "$Prefix-ipns"
            ip netns add $name
            try {
                ip netns exec $name ip link add nsps-va type veth peer name nsps-vb
                (Enter-Namespace -Name $name -FilePath ip -ArgumentList '-j', 'link' | ConvertFrom-Json).ifname | Should -Contain 'nsps-va'
                (Get-Namespace -Name $name | Enter-Namespace { (ip -j link | ConvertFrom-Json).ifname }) | Should -Contain 'nsps-va'
            }
            finally { ip netns delete $name }
            $p = Start-Background unshare @('--uts', 'sh', '-c', 'hostname from-unshare; exec sleep 600')
            try {
                Wait-Until { (nsenter -t $p.Id -u hostname) -eq 'from-unshare' } | Out-Null
                Get-Namespace -ProcessId $p.Id -Type Uts | Enter-Namespace -FilePath hostname | Should -Be 'from-unshare'
            }
            finally { Stop-Tree $p }
        }

        It 'is entered by nsenter the other way' {
            (nsenter -t $Set[0].HolderPid -u hostname) | Should -Be 'nsps-inside'
            $name = "$Prefix-nsenter"
            New-Namespace -Type Net -Name $name | Out-Null
            try { (nsenter --net=/run/netns/$name ip -j link | ConvertFrom-Json).ifname | Should -Be 'lo' }
            finally { Remove-Namespace -Name $name }
        }

        It 'refuses a stale object: create, remove, enter the old object, nothing runs' {
            $old = New-Namespace -Type Uts -Hostname stale
            $old | Remove-Namespace
            $marker = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-stale"
            $err = $null
            $old | Enter-Namespace -FilePath touch -ArgumentList $marker -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NamespaceGone*'
            Test-Path $marker | Should -BeFalse
        }

        It 'refuses a namespace whose pid was reused: the (device, inode) found at the path no longer match' {
            $p = Start-Background unshare @('--uts', 'sleep', '600')
            Wait-Until { (Get-NsInode "/proc/$($p.Id)/ns/uts") -ne (Get-NsInode /proc/self/ns/uts) } | Out-Null
            $ns = Get-Namespace -ProcessId $p.Id -Type Uts
            Stop-Tree $p
            # As if the pid now belonged to another process: the object's path leads to another namespace.
            $reach = [NsPS.Namespace].GetProperty('ReachPath', [Reflection.BindingFlags]'NonPublic,Instance')
            $reach.SetValue($ns, "/proc/$PID/ns/uts")
            $marker = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-reused"
            $err = $null
            $ns | Enter-Namespace -FilePath touch -ArgumentList $marker -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NamespaceGone*'
            $err[0].Exception.ErrnoName | Should -Be 'ESTALE'
            Test-Path $marker | Should -BeFalse
        }
    }

    Context 'stopping' {
        It 'a long-running program stopped from another runspace leaves nothing behind' {
            $ps = [PowerShell]::Create()
            $null = $ps.AddScript("Import-Module '$ModuleManifest'; Enter-Namespace -ProcessId $($Set[0].HolderPid) -Type Uts -FilePath sh -ArgumentList '-c','sleep 1000 & exec sleep 1001'")
            $async = $ps.BeginInvoke()
            Wait-Until { @(pgrep -x -f 'sleep 100[01]').Count -ge 2 } | Out-Null
            # The launcher is the program's parent.
            $launcher = [int](ps -o ppid= -p (pgrep -x -f 'sleep 1001')).Trim()
            (Get-Content "/proc/$launcher/comm") | Should -Be 'nsps-launcher'
            $ps.Stop()
            # Stopped, and by the stop alone: EndInvoke reports the stop and nothing else went wrong.
            $thrown = $null
            try { $ps.EndInvoke($async) } catch { $thrown = $_.Exception.InnerException }
            $thrown | Should -BeOfType ([System.Management.Automation.PipelineStoppedException])
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $ps.Streams.Error | Should -BeNullOrEmpty
            $ps.Dispose()
            Wait-Until { @(pgrep -x -f 'sleep 100[01]').Count -eq 0 -and -not (Test-Path "/proc/$launcher") } | Should -BeTrue
        }
    }

    Context 'the interactive shell' {
        It 'refuses to start one where the host has no terminal' {
            if (-not [Console]::IsInputRedirected) { Set-ItResult -Skipped -Because 'this test run has a terminal' }
            $err = $null
            $Set | Enter-Namespace -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NotInteractive*'
        }

        It 'attaches a shell to the terminal and returns when it exits' {
            $cmd = @(Get-PwshCommand)
            $inner = "Import-Module '$ModuleManifest'; Enter-Namespace -ProcessId $($Set[0].HolderPid) -Type Uts -Shell /bin/sh; 'back:' + `$LASTEXITCODE"
            $line = ($cmd + @('-NoProfile', '-NonInteractive', '-Command', $inner) | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
            $out = "hostname`nexit 4`n" | script -qefc $line /dev/null
            ($out -join "`n") | Should -Match 'nsps-inside'
            ($out -join "`n") | Should -Match 'back:4'
        }
    }
}

Describe 'Enter-Namespace as a plain user' -Skip:(-not $IsRoot) -Tag 'KernelSmoke', 'SkipBecause: needs root to run a plain user with setpriv' {
    BeforeAll {
        $script:Sandbox = New-UserSandbox
        $script:RootSet = New-Namespace -Type Uts, Net -Hostname root-only
    }
    AfterAll {
        if ($RootSet) { $RootSet | Remove-Namespace }
        if ($Sandbox) { Remove-Item $Sandbox -Recurse -Force }
    }

    It 'enters its own rootless set' {
        $r = Invoke-AsUser $Sandbox {
            $s = New-Namespace -Type Uts, Net -Hostname mine -MapRootUser
            $s | Enter-Namespace -FilePath hostname
            $s | Enter-Namespace -FilePath id -ArgumentList '-u'
            $s | Enter-Namespace { (ip -j link | ConvertFrom-Json).ifname }
            $s | Remove-Namespace
        }
        $r | Should -Be @('mine', '0', 'lo')
    }

    It 'is refused root''s namespaces with a clear error' {
        $r = Invoke-AsUser $Sandbox ([scriptblock]::Create("Enter-Namespace -ProcessId $($RootSet[0].HolderPid) -Type Uts -FilePath hostname"))
        $r[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.EnterRefused*'
    }
}
