#Requires -Version 7.6
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    $script:Prefix = 'nsps-s-' + [guid]::NewGuid().ToString('n').Substring(0, 6)

    # The children of a process (its threads come and go: one that ended is skipped).
    function Get-Children([int] $ProcessId) {
        Get-ChildItem "/proc/$ProcessId/task" -ErrorAction Ignore | ForEach-Object {
            (Get-Content "/proc/$ProcessId/task/$($_.Name)/children" -Raw -ErrorAction Ignore) -split '\s+' | Where-Object { $_ } | ForEach-Object { [int]$_ }
        }
    }

    # The launchers this pwsh started (each runs one session's server), and the server under each.
    function Get-SessionProcess {
        @(Get-Children $PID | Where-Object { (Get-Content "/proc/$_/comm" -ErrorAction Ignore) -eq 'nsps-launcher' } | ForEach-Object {
                [pscustomobject]@{ Launcher = $_; Server = @(Get-Children $_) }
            })
    }

    # The server of a session, as seen from here: the launcher that is not there before it was opened.
    function Get-NewServer($Before) {
        $new = @(Get-SessionProcess | Where-Object Launcher -notin $Before.Launcher)
        $new.Count | Should -Be 1
        $new[0]
    }
}

Describe 'New-NamespaceSession' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
    BeforeAll {
        $script:Lab = "$Prefix-lab"
        New-Namespace -Type Net, Uts, Pid, Mount -Name $Lab -Hostname nsps-lab -MountProc | Out-Null
        $script:S = New-NamespaceSession -Name $Lab -SessionName "$Prefix-main"
    }
    AfterAll {
        Get-PSSession | Remove-PSSession
        Remove-Namespace -Name $Lab -ErrorAction Ignore
    }

    Context 'a real, registered PSSession' {
        It 'is a PSSession that Get-PSSession lists, named for its target' {
            $S | Should -BeOfType ([System.Management.Automation.Runspaces.PSSession])
            $S.State | Should -Be 'Opened'
            $S.ComputerName | Should -Be "ns:$Lab"
            $S.Transport | Should -Be 'NsPS'
            (Get-PSSession -Name "$Prefix-main").InstanceId | Should -Be $S.InstanceId
        }

        It 'its server ignores SIGINT, so no Ctrl+C ends it, and the session goes on after one' {
            $server = @(Get-SessionProcess)
            $server.Count | Should -Be 1
            $server[0].Server.Count | Should -Be 1
            $pidInside = $server[0].Server[0]
            # SigIgn of the server as the kernel shows it: bit 2 is SIGINT.
            $sigIgn = (Get-Content "/proc/$pidInside/status" | Where-Object { $_ -like 'SigIgn:*' }) -replace '^SigIgn:\s*'
            ([Convert]::ToUInt64($sigIgn, 16) -band 2) | Should -Be 2
            kill -INT $pidInside
            Invoke-Command -Session $S { 6 * 7 } | Should -Be 42
            $S.State | Should -Be 'Opened'
        }

        It 'sees only lo, its own hostname and the holder as PID 1' -Tag 'KernelSmoke' {
            $r = Invoke-Command -Session $S {
                [pscustomobject]@{
                    Links    = @([Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces().Name)
                    Hostname = [Net.Dns]::GetHostName()
                    Pid1     = (Get-Process -Id 1).ProcessName
                    Count    = @(Get-Process).Count
                }
            }
            $r.Links | Should -Be @('lo')
            $r.Hostname | Should -Be 'nsps-lab'
            $r.Pid1 | Should -Be 'nsps-holder'
            $r.Count | Should -Be 2     # the holder and the session's pwsh
            hostname | Should -Not -Be 'nsps-lab'
        }

        It 'keeps state between calls; $using:, -ArgumentList and -AsJob work' {
            Invoke-Command -Session $S { $kept = 'from the first call'; function Get-Kept { $kept } }
            Invoke-Command -Session $S { Get-Kept } | Should -Be 'from the first call'
            $local = 20
            Invoke-Command -Session $S { $using:local + 1 } | Should -Be 21
            Invoke-Command -Session $S { param($a, $b) $a * $b } -ArgumentList 6, 7 | Should -Be 42
            $job = Invoke-Command -Session $S { hostname } -AsJob
            $job | Wait-Job -Timeout ($PatienceMs / 1000) | Receive-Job | Should -Be 'nsps-lab'
            $job | Remove-Job
        }

        It 'returns objects with their types, and errors on the error stream' {
            $r = Invoke-Command -Session $S { [pscustomobject]@{ Name = 'n'; Count = 3 }; Write-Error 'inside failed' } -ErrorVariable err -ErrorAction SilentlyContinue
            $r.Count | Should -Be 3
            $r.PSComputerName | Should -Be "ns:$Lab"
            $err[0].Exception.Message | Should -Be 'inside failed'
        }

        It 'Copy-Item -ToSession puts a file into the set''s mount namespace that the host does not see, and -FromSession brings it back' {
            Invoke-Command -Session $S { mount -t tmpfs nsps-session-tmpfs /mnt }
            $file = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-copy.txt"
            $back = "$file.back"
            try {
                Set-Content $file 'copied in'
                Copy-Item $file -ToSession $S -Destination /mnt/copied.txt
                Invoke-Command -Session $S { Get-Content /mnt/copied.txt } | Should -Be 'copied in'
                Test-Path /mnt/copied.txt | Should -BeFalse
                Copy-Item -FromSession $S /mnt/copied.txt -Destination $back
                Get-Content $back | Should -Be 'copied in'
            }
            finally {
                Remove-Item $file, $back -ErrorAction Ignore
            }
        }

        It 'Import-PSSession makes the session''s commands local proxies that run inside' {
            Invoke-Command -Session $S { function Get-LabHostname { [Net.Dns]::GetHostName() } }
            $module = Import-PSSession $S -CommandName Get-LabHostname -AllowClobber
            try {
                Get-LabHostname | Should -Be 'nsps-lab'
            }
            finally {
                Remove-Module $module
            }
        }

        It 'completes remotely with TabExpansion2, as Enter-PSSession''s tab completion does' {
            Invoke-Command -Session $S { function Get-OnlyInsideTheLab { } }
            $r = Invoke-Command -Session $S { TabExpansion2 -inputScript 'Get-OnlyInsid' -cursorColumn 13 }
            $r.CompletionMatches[0].CompletionText | Should -Be 'Get-OnlyInsideTheLab'
        }

        It 'Enter-PSSession runs what is typed inside, and the state stays for Invoke-Command' {
            $script = @(
                "Import-Module '$ModuleManifest'"
                "`$s = New-NamespaceSession -Name '$Lab'"
                'Enter-PSSession $s'
                "'typed inside: ' + [Net.Dns]::GetHostName()"
                '$enteredValue = 7'
                'Exit-PSSession'
                "'the first line after Exit-PSSession is refused by pwsh -Command -: it was meant for the session'"
                "'outside: ' + [bool]([Net.Dns]::GetHostName() -ne 'nsps-lab')"
                "'kept: ' + (Invoke-Command `$s { `$enteredValue })"
                'Remove-PSSession $s'
            ) -join "`n"
            $cmd = @(Get-PwshCommand)
            $out = $script | & $cmd[0] @($cmd | Select-Object -Skip 1) -NoProfile -Command - 2>&1 | ForEach-Object { "$_" -replace '\e\[\?1[hl]', '' }
            $out | Should -Contain 'typed inside: nsps-lab'
            $out | Should -Contain 'outside: True'
            $out | Should -Contain 'kept: 7'
        }

        It 'has no diagnostics socket in /tmp, and runs in a session of its own (out of reach of this terminal''s Ctrl+C)' {
            Invoke-Command -Session $S { @(Get-ChildItem /tmp -Filter "CoreFxPipe_PSHost.*.$PID.*").Count } | Should -Be 0
            $launcher = (Get-SessionProcess)[0].Launcher
            $sid = { param($p) $stat = Get-Content "/proc/$p/stat" -Raw; [int]($stat.Substring($stat.LastIndexOf(')') + 2) -split ' ')[3] }
            (& $sid $launcher) | Should -Be $launcher
            (& $sid $launcher) | Should -Not -Be (& $sid $PID)
        }
    }

    Context 'stopping' {
        It 'stopping Invoke-Command stops the remote pipeline, and the session stays usable' {
            $marker = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-running"
            $ps = [PowerShell]::Create()
            $null = $ps.AddScript({ param($s, $m) Invoke-Command -Session $s { param($m) Set-Content $m 'x'; Start-Sleep 1000 } -ArgumentList $m }).AddArgument($S).AddArgument($marker)
            try {
                $async = $ps.BeginInvoke()
                Wait-Until { Test-Path $marker } | Out-Null
                $ps.Stop()
                $thrown = $null
                try { $ps.EndInvoke($async) } catch { $thrown = $_.Exception.InnerException }
                $thrown | Should -BeOfType ([System.Management.Automation.PipelineStoppedException])
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                Invoke-Command -Session $S { 'still here' } | Should -Be 'still here'
                Invoke-Command -Session $S { @(Get-Process | Where-Object ProcessName -ne 'nsps-holder').Count } | Should -Be 1
                $S.State | Should -Be 'Opened'
            }
            finally {
                $ps.Dispose()
                Remove-Item $marker -ErrorAction Ignore
            }
        }
    }

    Context 'several sessions' {
        It 'two sessions into different sets at once see each their own' {
            $other = "$Prefix-other"
            New-Namespace -Type Uts -Name $other -Hostname nsps-other | Out-Null
            try {
                $o = New-NamespaceSession -Name $other
                Invoke-Command -Session $S, $o { [Net.Dns]::GetHostName() } | Sort-Object | Should -Be @('nsps-lab', 'nsps-other')
                Invoke-Command -Session $o { [Net.Dns]::GetHostName() } | Should -Be 'nsps-other'
                Invoke-Command -Session $S { [Net.Dns]::GetHostName() } | Should -Be 'nsps-lab'
                Remove-PSSession $o
            }
            finally {
                Remove-Namespace -Name $other
            }
        }

        It 'opens 8 sessions in parallel runspaces' {
            $module = $ModuleManifest
            $lab = $Lab
            $r = 1..8 | ForEach-Object -ThrottleLimit 8 -Parallel {
                Import-Module $using:module
                $s = New-NamespaceSession -Name $using:lab -Environment @{ NSPS_SESSION_NUMBER = "$_" }
                Invoke-Command -Session $s { "$env:NSPS_SESSION_NUMBER " + [Net.Dns]::GetHostName() }
                Remove-PSSession $s
            }
            $r | Sort-Object { [int]($_ -split ' ')[0] } | Should -Be (1..8 | ForEach-Object { "$_ nsps-lab" })
        }

        It '1,000 calls on one session leave no descriptor and no process behind' {
            # PowerShell's own start-up telemetry (a connection made once, late on a busy machine) is not what is measured.
            $s = New-NamespaceSession -Name $Lab -Environment @{ POWERSHELL_TELEMETRY_OPTOUT = '1' }
            try {
                # Warm up: the first calls load what remoting loads once.
                1..50 | ForEach-Object { Invoke-Command -Session $s { 1 } } | Out-Null
                # What earlier tests left to the finalizers closes now, not during the count.
                [GC]::Collect(); [GC]::WaitForPendingFinalizers()
                $fds = @(Get-ChildItem /proc/self/fd).Count
                $processes = @(Get-Children $PID).Count
                # Inside: its processes, and its descriptors other than assemblies, which the runtime opens as it first needs them.
                $census = { @(Get-Process).Count; @(Get-ChildItem /proc/self/fd | Where-Object LinkTarget -NotLike '*.dll').Count }
                $inside = Invoke-Command -Session $s $census
                $sum = 0
                1..1000 | ForEach-Object { $sum += Invoke-Command -Session $s { 1 } }
                $sum | Should -Be 1000
                # A descriptor per call would add a thousand; this process may close one of its own meanwhile.
                @(Get-ChildItem /proc/self/fd).Count | Should -BeLessOrEqual $fds
                @(Get-Children $PID).Count | Should -Be $processes
                Invoke-Command -Session $s $census | Should -Be $inside
            }
            finally {
                Remove-PSSession $s
            }
        }
    }

    Context 'the end of a session' {
        It 'Remove-PSSession leaves no process: no launcher, no server' {
            $before = Get-SessionProcess
            $s = New-NamespaceSession -Name $Lab
            $new = Get-NewServer $before
            $new.Server.Count | Should -Be 1
            Remove-PSSession $s
            $s.State | Should -Be 'Closed'
            # The server ends by itself once its input closes (it removes what it made), then the launcher reports.
            Wait-Until { -not (Test-Path "/proc/$($new.Launcher)") -and -not (Test-Path "/proc/$($new.Server[0])") } | Should -BeTrue
            Get-PSSession -InstanceId $s.InstanceId -ErrorAction Ignore | Should -BeNullOrEmpty
        }

        It 'the end of the pwsh that opened a session leaves no process' {
            $script = @'
Import-Module '<MODULE>'
$s = New-NamespaceSession -Name '<LAB>'
$children = Get-ChildItem /proc/$PID/task | ForEach-Object { (Get-Content "/proc/$PID/task/$($_.Name)/children" -Raw -ErrorAction Ignore) -split '\s+' } | Where-Object { $_ }
$launcher = $children | Where-Object { (Get-Content "/proc/$_/comm") -eq 'nsps-launcher' } | Select-Object -First 1
"launcher=$launcher"
"server=" + (Get-Content "/proc/$launcher/task/$launcher/children" -Raw).Trim()
'@ -creplace '<MODULE>', $ModuleManifest -creplace '<LAB>', $Lab
            $out = Invoke-Child $script
            $launcher = [int](($out | Where-Object { $_ -like 'launcher=*' }) -replace '\D')
            $server = [int](($out | Where-Object { $_ -like 'server=*' }) -replace '\D')
            $launcher | Should -BeGreaterThan 0
            $server | Should -BeGreaterThan 0
            Wait-Until { -not (Test-Path "/proc/$launcher") -and -not (Test-Path "/proc/$server") } | Should -BeTrue
        }

        It 'a server that ends makes the session Broken, with the reason' {
            $s = New-NamespaceSession -Name $Lab
            Invoke-Command -Session $s { [Environment]::Exit(3) } -ErrorAction SilentlyContinue
            Wait-Until { $s.State -eq 'Broken' } | Should -BeTrue
            $s.Runspace.RunspaceStateInfo.Reason.Message | Should -Match 'ended \(exit code 3\)'
            Remove-PSSession $s
        }

        It 'the holder killed: Broken within seconds, saying the namespaces are gone; nothing hangs, nothing is left' {
            $name = "$Prefix-killed"
            $set = New-Namespace -Type Uts, Net -Name $name -Hostname doomed
            $before = Get-SessionProcess
            $s = New-NamespaceSession -Name $name
            $new = Get-NewServer $before
            kill -9 $set[0].HolderPid
            Wait-Until { $s.State -eq 'Broken' } -TimeoutMs 10000 | Should -BeTrue
            $s.Runspace.RunspaceStateInfo.Reason.Message | Should -Match "namespaces of this session are gone: the holder of '$name'"
            Wait-Until { -not (Test-Path "/proc/$($new.Launcher)") -and -not (Test-Path "/proc/$($new.Server[0])") } | Should -BeTrue
            { Invoke-Command -Session $s { 1 } -ErrorAction Stop } | Should -Throw
            Remove-PSSession $s
            Remove-Namespace -Name $name -ErrorAction Ignore
        }

        It 'Remove-Namespace of the set: Broken, and no server left' {
            $name = "$Prefix-removed"
            New-Namespace -Type Uts, Net, Pid, Mount -Name $name | Out-Null
            $before = Get-SessionProcess
            $s = New-NamespaceSession -Name $name
            $new = Get-NewServer $before
            Remove-Namespace -Name $name
            Wait-Until { $s.State -eq 'Broken' } -TimeoutMs 10000 | Should -BeTrue
            $s.Runspace.RunspaceStateInfo.Reason.Message | Should -Match 'namespaces of this session are gone'
            Wait-Until { -not (Test-Path "/proc/$($new.Launcher)") -and -not (Test-Path "/proc/$($new.Server[0])") } | Should -BeTrue
            Remove-PSSession $s
        }
    }

    Context 'targets and failures' {
        It 'opens a session from piped namespaces and from -ProcessId -Type, named for them' {
            $set = New-Namespace -Type Uts, Net -Hostname piped
            try {
                $p = $set | New-NamespaceSession
                Invoke-Command -Session $p { [Net.Dns]::GetHostName() } | Should -Be 'piped'
                $p.ComputerName | Should -Be "ns:pid $($set[0].HolderPid)"
                $q = New-NamespaceSession -ProcessId $set[0].HolderPid -Type Uts
                Invoke-Command -Session $q { [Net.Dns]::GetHostName(); @([Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces()).Count -gt 1 } | Should -Be @('piped', $true)
                $q.ComputerName | Should -Be "ns:pid $($set[0].HolderPid)"
                Remove-PSSession $p, $q
            }
            finally {
                $set | Remove-Namespace
            }
        }

        It 'runs as -Uid/-Gid in -WorkingDirectory with -Environment' {
            # Another uid needs a pwsh it can read: the sandbox's copy, run here as root.
            $sandbox = New-UserSandbox
            try {
                $script = @'
Import-Module '<SANDBOX>/NsPS/NsPS.psd1'
$s = New-NamespaceSession -Name '<LAB>' -Uid 4321 -Gid 4322 -WorkingDirectory /tmp -Environment @{ NSPS_SESSION_VALUE = 'set'; HOME = '/tmp' }
Invoke-Command -Session $s { (id -u), (id -g), $PWD.Path, $env:NSPS_SESSION_VALUE }
Remove-PSSession $s
'@ -creplace '<SANDBOX>', $sandbox -creplace '<LAB>', $Lab
                $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
                $out = & ([Environment]::ProcessPath) (Join-Path $sandbox 'pwsh/pwsh.dll') -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1
                $out | Should -Be @('4321', '4322', '/tmp', 'set')
            }
            finally {
                Remove-Item $sandbox -Recurse -Force
            }
        }

        It 'refuses a stale object with NsPS.NamespaceGone, quickly, and leaves nothing behind' -Tag 'KernelSmoke' {
            $set = New-Namespace -Type Uts, Net
            $set | Remove-Namespace
            $before = Get-SystemTrace
            $sessions = @(Get-PSSession).Count
            $err = $null
            $r = $set | New-NamespaceSession -ErrorVariable err -ErrorAction SilentlyContinue
            $r | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NamespaceGone*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'Get-Namespace'
            @(Get-PSSession).Count | Should -Be $sessions
            Compare-SystemTrace $before (Get-SystemTrace) | Should -BeNullOrEmpty
        }

        It '-WhatIf opens nothing' {
            $before = @(Get-SessionProcess).Count
            New-NamespaceSession -Name $Lab -WhatIf | Should -BeNullOrEmpty
            @(Get-SessionProcess).Count | Should -Be $before
        }

        It 'a name that does not exist is NsPS.NameNotFound' {
            $err = $null
            New-NamespaceSession -Name "$Prefix-none" -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.NameNotFound*'
        }
    }
}

Describe 'New-NamespaceSession as a plain user' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root to run a plain user with setpriv' {
    BeforeAll {
        $script:Sandbox = New-UserSandbox
        $script:RootSet = New-Namespace -Type Uts, Net -Hostname root-only
    }
    AfterAll {
        if ($RootSet) { $RootSet | Remove-Namespace }
        if ($Sandbox) { Remove-Item $Sandbox -Recurse -Force }
    }

    It 'opens a session into its own rootless set' -Tag 'KernelSmoke' {
        $r = Invoke-AsUser $Sandbox {
            $set = New-Namespace -Type Uts, Net -Hostname mine -MapRootUser
            $s = $set | New-NamespaceSession
            Invoke-Command -Session $s { [Net.Dns]::GetHostName(); (id -u); @([Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces().Name) }
            Remove-PSSession $s
            $set | Remove-Namespace
            @(Get-Process nsps-launcher -ErrorAction Ignore | Where-Object { (Get-Content "/proc/$($_.Id)/status" -ErrorAction Ignore | Select-String '^Uid:\s+65534\b') }).Count
        }
        $r | Should -Be @('mine', '0', 'lo', 0)
    }

    It 'is refused root''s set with NsPS.EnterRefused, quickly, and nothing is left' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-AsUser $Sandbox ([scriptblock]::Create(@"
New-NamespaceSession -ProcessId $($RootSet[0].HolderPid) -Type Uts
@(Get-PSSession).Count
@(Get-Process nsps-launcher -ErrorAction Ignore | Where-Object { (Get-Content "/proc/`$(`$_.Id)/status" -ErrorAction Ignore | Select-String '^Uid:\s+65534\b') }).Count
"@))
        $r[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.EnterRefused*'
        $r[0].ErrorCategory_Category | Should -Be ([int][System.Management.Automation.ErrorCategory]::PermissionDenied)
        $r[1] | Should -Be 0
        $r[2] | Should -Be 0
        $sw.ElapsedMilliseconds | Should -BeLessThan $PatienceMs
    }
}
