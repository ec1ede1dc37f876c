#Requires -Version 7.4
# NsPS on kernels older than this one. Get-NamespaceFeature must say what the kernel has, and NsPS must do
# what its table says where a feature is missing. An older kernel is played by this one: tests/tools/without.c
# makes the kernel refuse the features named, with the errno an older kernel gives (a seccomp filter that
# everything the child pwsh starts inherits, the launcher and the holders too). `./build.ps1 -Task KernelCheck`
# runs the smoke subset on a real Linux 6.1.
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
}

BeforeAll {
    . $PSScriptRoot/common.ps1

    $script:Without = Join-Path $TestDrive 'without'
    & cc -O2 -Wall -Werror -o $Without (Join-Path $PSScriptRoot 'tools/without.c')
    if ($LASTEXITCODE) { throw "cc tests/tools/without.c failed ($LASTEXITCODE)." }

    # Runs a script block in a fresh pwsh that imports the built module, on "a kernel without" the features
    # named (comma-separated), and returns its objects. -Sandbox runs it as a plain user (uid 65534) from that
    # sandbox; -Shell runs a shell command first (e.g. one that opens a descriptor the pwsh inherits).
    function Invoke-Without([string] $Features, [scriptblock] $ScriptBlock, [string] $Sandbox, [string] $Shell) {
        $prefix = @($Without, $Features)
        if ($Shell) { $prefix = @('bash', '-c', "$Shell; exec `"`$@`"", 'bash') + $prefix }
        if ($Sandbox) {
            Invoke-ChildObjects -Module (Join-Path $Sandbox 'NsPS/NsPS.psd1') -ScriptBlock $ScriptBlock -Prefix ($prefix + (Get-AsUserPrefix $Sandbox)) `
                -Pwsh @([Environment]::ProcessPath, (Join-Path $Sandbox 'pwsh/pwsh.dll')) -What "The child pwsh (without '$Features') as uid 65534"
        }
        else { Invoke-ChildObjects -Module $ModuleManifest -ScriptBlock $ScriptBlock -Prefix $prefix -What "The child pwsh (without '$Features')" }
    }

    # A script block with words replaced by values (the child pwsh sees no variables of this one).
    function Expand-Block([scriptblock] $Block, [hashtable] $Values) {
        $text = $Block.ToString()
        foreach ($k in $Values.Keys) { $text = $text.Replace($k, "$($Values[$k])") }
        [scriptblock]::Create($text)
    }

    # The same requests made by perl, as the kernel's own answer: 1 when the kernel takes them.
    function Test-KernelAnswer([string] $Features, [string] $Request) {
        $perl = @{
            NsGetId    = 'open(my $f, "<", "/proc/self/ns/user") or die; my $b = "\0" x 8; print(ioctl($f, 0x8008b70d, $b) ? 1 : 0)'
            PidfdOpen  = 'my $fd = syscall(434, $$ + 0, 0); print($fd >= 0 ? 1 : 0)'
            CloseRange = 'print(syscall(436, 0xffffffff, 0xffffffff, 0) == 0 ? 1 : 0)'
        }[$Request]
        $argv = @(if ($Features) { $Without, $Features }) + 'perl'
        $out = & $argv[0] @($argv | Select-Object -Skip 1) -e $perl
        $out -eq '1'
    }

    # An unshare'd process with namespaces of its own, to enter by -ProcessId.
    function Start-Isolated {
        $p = Start-Background unshare @('--uts', '--net', '--ipc', '--fork', 'sleep', '600')
        Wait-Until { (Get-ChildPid $p.Id).Count -gt 0 -and (Get-NsInode "/proc/$(@(Get-ChildPid $p.Id)[0])/ns/uts") -ne (Get-NsInode /proc/self/ns/uts) } | Out-Null
        [pscustomobject]@{ Process = $p; Pid = @(Get-ChildPid $p.Id)[0] }
    }
}

Describe 'Get-NamespaceFeature' -Tag 'KernelSmoke' {
    It 'writes every feature, oldest first, each with what NsPS does without it' {
        $f = @(Get-NamespaceFeature)
        $f.Count | Should -BeGreaterOrEqual 9
        $f[0] | Should -BeOfType ([NsPS.KernelFeature])
        $since = @($f.Since)
        $since | Should -Be @($since | Sort-Object)
        foreach ($x in $f) {
            $x.Name | Should -Not -BeNullOrEmpty
            $x.Interface | Should -Not -BeNullOrEmpty
            $x.UsedFor | Should -Not -BeNullOrEmpty
            $x.WithoutIt | Should -Not -BeNullOrEmpty
        }
        @($f.Name | Select-Object -Unique).Count | Should -Be $f.Count
    }

    It 'says what the kernel says, request by request' {
        $f = @{}; Get-NamespaceFeature | ForEach-Object { $f[$_.Name] = $_.Present }
        $f['Never-reused namespace ids'] | Should -Be (Test-KernelAnswer '' NsGetId)
        $f['Process file descriptors'] | Should -Be (Test-KernelAnswer '' PidfdOpen)
        $f['Closing inherited descriptors at once'] | Should -Be (Test-KernelAnswer '' CloseRange)
        $f['Time namespaces'] | Should -Be (Test-Path /proc/self/ns/time)
        $f['Cgroup namespaces'] | Should -Be (Test-Path /proc/self/ns/cgroup)
        $f['Namespace ioctls'] | Should -BeTrue
    }

    It 'filters by name with wildcards and by -Missing' {
        @(Get-NamespaceFeature '*namespaces').Name | Should -Contain 'Time namespaces'
        @(Get-NamespaceFeature -Missing | Where-Object Present) | Should -BeNullOrEmpty
        $missing = Invoke-Without 'ns_get_id' { Get-NamespaceFeature -Missing | ForEach-Object Name }
        $missing | Should -Contain 'Never-reused namespace ids'
    }

    It 'is told once per session in the first -Verbose of an NsPS cmdlet' {
        $lines = Invoke-Without 'ns_get_id' {
            Get-Namespace -ProcessId $PID -Type Net -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
            '--'
            Get-Namespace -ProcessId $PID -Type Net -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        }
        $split = [array]::IndexOf(@($lines), '--')
        $first = @($lines)[0..($split - 1)]
        $second = @($lines)[($split + 1)..(@($lines).Count - 1)]
        $first[0] | Should -BeLike "Linux $(uname -r) lacks: *never-reused namespace ids (ioctl(NS_GET_ID), Linux 6.18)*Get-NamespaceFeature -Missing*"
        @($second | Where-Object { $_ -like 'Linux *' }) | Should -BeNullOrEmpty
    }

    It 'is the table of the README and the list of about_NsPS' {
        $f = @(Get-NamespaceFeature)
        $lines = Get-Content (Join-Path $RepoRoot 'README.md')
        $start = [array]::IndexOf($lines, '| Capability | Kernel feature | Since | Without it |')
        $start | Should -BeGreaterThan 0 -Because 'the README has the kernel table'
        @($lines[($start + 2)..($lines.Count - 1)] | Select-Object -First ($f.Count + 1)) |
            Should -Be (@($f | ForEach-Object { "| $($_.Name) | $($_.Interface) | $($_.Since) | $($_.WithoutIt) |" }) + '')
        $about = Get-Content (Join-Path $RepoRoot 'src/help/about_NsPS.md')
        $first = [array]::IndexOf($about, "- $($f[0].Name) ($($f[0].Interface)), Linux $($f[0].Since). Without it, $($f[0].WithoutIt).")
        $first | Should -BeGreaterThan 0 -Because 'about_NsPS lists the features'
        @($about[$first..($about.Count - 1)] | Select-Object -First ($f.Count + 1)) |
            Should -Be (@($f | ForEach-Object { "- $($_.Name) ($($_.Interface)), Linux $($_.Since). Without it, $($_.WithoutIt)." }) + '')
    }
}

Describe 'Without NS_GET_ID (before Linux 6.18)' -Tag 'KernelSmoke' {
    It 'lists namespaces without UniqueId and knows them by device and inode' {
        $r = Invoke-Without 'ns_get_id' {
            $all = @(Get-Namespace)
            [pscustomobject]@{
                Count    = $all.Count
                Unique   = @($all | Where-Object UniqueId).Count
                Mine     = @(Get-Namespace -ProcessId $PID | ForEach-Object { "$($_.Type) $($_.Id)" })
                Feature  = (Get-NamespaceFeature 'Never-reused namespace ids').Present
            }
        }
        $r.Feature | Should -BeFalse
        $r.Count | Should -BeGreaterThan 0
        $r.Unique | Should -Be 0
        $expected = foreach ($k in 'cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts') {
            if (Test-Path "/proc/self/ns/$k") { "$(Get-NsInode "/proc/self/ns/$k")" }
        }
        @($r.Mine | ForEach-Object { ($_ -split ' ')[1] }) | Should -Be @($expected)
        Test-KernelAnswer 'ns_get_id' NsGetId | Should -BeFalse -Because 'the filter makes the kernel refuse NS_GET_ID'
    }

    It 'creates, enters, maps and removes as root' -Skip:(-not $IsRoot) -Tag 'SkipBecause: creating namespaces of every kind and mapping ids needs root here' {
        $name = 'nsps-old-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $before = Get-SystemTrace
        $r = Invoke-Without 'ns_get_id' (Expand-Block -Values @{ NAME = $name } {
            $set = New-Namespace -Type Net, Uts, Ipc, Pid, Mount, Cgroup, Time -Name NAME -Hostname NAME -BoottimeOffset ([timespan]::FromDays(2))
            $user = New-Namespace -Type User
            $user | Set-IdMap -UidMap '0 100000 1000' -GidMap '0 100000 1000'
            $o = [ordered]@{
                Kinds    = @($set.Type | ForEach-Object { "$_" } | Sort-Object)
                Unique   = @($set | Where-Object UniqueId).Count
                Hostname = @(Enter-Namespace -Name NAME -FilePath hostname)
                Uptime   = @(Enter-Namespace -Name NAME -FilePath cat -ArgumentList /proc/uptime)
                Map      = "$((Get-Namespace -NamespaceId $user.Id -Type User).UidMap)"
                Links    = @($set | Enter-Namespace -FilePath readlink -ArgumentList /proc/self/ns/net, /proc/self/ns/uts)
                Ids      = @($set | Where-Object Type -in Net, Uts | ForEach-Object { "$($_.Type.ToString().ToLower()):[$($_.Id)]" })
            }
            Remove-Namespace -Name NAME
            $user | Remove-Namespace
            [pscustomobject]$o
        })
        $r.Kinds | Should -Be @('Cgroup', 'Ipc', 'Mount', 'Net', 'Pid', 'Time', 'Uts')
        $r.Unique | Should -Be 0
        $r.Hostname | Should -Be $name
        [double](($r.Uptime -split ' ')[0]) | Should -BeGreaterThan (2 * 86400)
        $r.Map | Should -Be '0 100000 1000'
        $r.Links | Should -Be $r.Ids
        Compare-SystemTrace $before (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
    }

    It 'works for a plain user' {
        $sandbox = New-UserSandbox
        try {
            $r = Invoke-Without 'ns_get_id' -Sandbox $sandbox {
                $set = New-Namespace -Type Uts, Net
                [pscustomobject]@{
                    Id     = @($set | Enter-Namespace -FilePath id -ArgumentList '-u')
                    Unique = @($set | Where-Object UniqueId).Count
                    Lo     = @($set | Enter-Namespace -FilePath ip -ArgumentList '-o', 'link' | ForEach-Object { ($_ -split ':')[1].Trim() })
                }
                $set | Remove-Namespace
            }
            $r.Id | Should -Be '0'
            $r.Unique | Should -Be 0
            $r.Lo | Should -Be 'lo'
        }
        finally { Remove-Item $sandbox -Recurse -Force }
    }
}

Describe 'Without pidfds (before Linux 5.4)' {
    It 'refuses New-Namespace with NsPS.KernelFeatureMissing and makes nothing' {
        $before = Get-SystemTrace
        $r = Invoke-Without 'pidfd_open' {
            try { New-Namespace -Type Net, Uts -ErrorAction Stop; 'made' }
            catch { [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Category = "$($_.CategoryInfo.Category)"; Errno = $_.Exception.ErrnoName; Message = "$_"; Hint = $_.ErrorDetails.RecommendedAction; Target = "$($_.TargetObject)" } }
        }
        $r.Id | Should -BeLike 'NsPS.KernelFeatureMissing,*'
        $r.Category | Should -Be 'NotImplemented'
        $r.Errno | Should -Be 'ENOSYS'
        $r.Message | Should -BeLike 'New-Namespace needs process file descriptors (pidfd_open, waitid(P_PIDFD), Linux 5.4 and later)*'
        $r.Hint | Should -BeLike '*Get-NamespaceFeature*'
        $r.Target | Should -Be 'Process file descriptors'
        Compare-SystemTrace $before (Get-SystemTrace) -Ignore Fds | Should -BeNullOrEmpty
    }

    It 'refuses Remove-Namespace and a session into a set, and still lists and enters it' -Skip:(-not $IsRoot) -Tag 'SkipBecause: naming a set for another session to find needs root here' {
        $name = 'nsps-old-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $set = New-Namespace -Type Uts, Net -Name $name -Hostname $name
        try {
            $r = Invoke-Without 'pidfd_open' (Expand-Block -Values @{ NAME = $name } {
                    [pscustomobject]@{
                        Remove  = $(try { Remove-Namespace -Name NAME -Confirm:$false -ErrorAction Stop; 'removed' } catch { $_.FullyQualifiedErrorId })
                        Session = $(try { New-NamespaceSession -Name NAME -ErrorAction Stop; 'opened' } catch { $_.FullyQualifiedErrorId })
                        Listed  = @(Get-Namespace -Name NAME).Count
                        Inside  = @(Enter-Namespace -Name NAME -FilePath hostname)
                    }
                })
            $r.Remove | Should -BeLike 'NsPS.KernelFeatureMissing,*'
            $r.Session | Should -BeLike 'NsPS.KernelFeatureMissing,*'
            $r.Listed | Should -Be 2
            $r.Inside | Should -Be $name
            Test-Running $set[0].HolderPid | Should -BeTrue -Because 'the refused Remove-Namespace left the set as it was'
        }
        finally { Remove-Namespace -Name $name }
    }

    It 'enters a process by its namespace files when the launcher has no pidfd' -Skip:(-not $IsRoot) -Tag 'SkipBecause: entering another process namespaces needs root here' {
        $iso = Start-Isolated
        try {
            $r = Invoke-Without 'pidfd_open' (Expand-Block -Values @{ PID = $iso.Pid } { Enter-Namespace -ProcessId PID -Type Uts, Net, Ipc -FilePath readlink -ArgumentList /proc/self/ns/uts, /proc/self/ns/net, /proc/self/ns/ipc })
            $r | Should -Be @(foreach ($k in 'uts', 'net', 'ipc') { "${k}:[$(Get-NsInode "/proc/$($iso.Pid)/ns/$k")]" })
        }
        finally { Stop-Tree $iso.Process }
    }
}

Describe 'Without setns on a pidfd (before Linux 5.8)' -Tag 'KernelSmoke' {
    It 'joins the kinds one by one, as root' -Skip:(-not $IsRoot) -Tag 'SkipBecause: entering another process namespaces needs root here' {
        $iso = Start-Isolated
        try {
            $r = Invoke-Without 'setns_pidfd' (Expand-Block -Values @{ PID = $iso.Pid } {
                    (Get-NamespaceFeature "Joining a process's namespaces at once").Present
                    Enter-Namespace -ProcessId PID -Type Uts, Net, Ipc -FilePath readlink -ArgumentList /proc/self/ns/uts, /proc/self/ns/net, /proc/self/ns/ipc
                })
            $r[0] | Should -BeFalse
            $r[1..3] | Should -Be @(foreach ($k in 'uts', 'net', 'ipc') { "${k}:[$(Get-NsInode "/proc/$($iso.Pid)/ns/$k")]" })
        }
        finally { Stop-Tree $iso.Process }
    }

    It 'joins them one by one also for a plain user, whose rights come from the user namespace' {
        $sandbox = New-UserSandbox
        try {
            $r = Invoke-Without 'setns_pidfd' -Sandbox $sandbox {
                $set = New-Namespace -Type Uts, Net -Hostname inner
                try {
                    [pscustomobject]@{
                        Feature = (Get-NamespaceFeature "Joining a process's namespaces at once").Present
                        Out     = @(Enter-Namespace -ProcessId $set[0].HolderPid -FilePath sh -ArgumentList '-c', 'hostname; id -u')
                    }
                }
                finally { $set | Remove-Namespace }
            }
            $r.Feature | Should -BeFalse
            $r.Out | Should -Be @('inner', '0')
        }
        finally { Remove-Item $sandbox -Recurse -Force }
    }
}

Describe 'Without close_range (before Linux 5.9)' -Tag 'KernelSmoke' {
    It 'the launcher still closes what it inherited' {
        $r = Invoke-Without 'close_range' -Shell 'exec 7</etc/hostname' {
            [pscustomobject]@{
                Feature = (Get-NamespaceFeature 'Closing inherited descriptors at once').Present
                Here    = Test-Path /proc/self/fd/7
                Inside  = @(New-Namespace -Type Uts, Net | Tee-Object -Variable set | Enter-Namespace -FilePath ls -ArgumentList /proc/self/fd)
            }
            $set | Remove-Namespace
        }
        $r.Feature | Should -BeFalse
        $r.Here | Should -BeTrue -Because 'the child pwsh inherited descriptor 7 (not close-on-exec)'
        @($r.Inside | Sort-Object { [int]$_ }) | Should -Be @('0', '1', '2', '3') -Because 'the program has its three streams, and ls its directory'
        Test-KernelAnswer 'close_range' CloseRange | Should -BeFalse
    }
}
