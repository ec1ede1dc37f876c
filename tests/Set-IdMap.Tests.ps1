#Requires -Version 7.4
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
    $script:HasHelpers = [bool](Get-Command newuidmap -ErrorAction Ignore) -and [bool](Get-Command newgidmap -ErrorAction Ignore)
    $script:RootHasSubordinateIds = [bool](Select-String -Path /etc/subuid, /etc/subgid -Pattern '^(root|0):' -ErrorAction Ignore)

    # Each map the kernel refuses, with the problem it must be refused for.
    $script:InvalidCases = @(
        @{ Name = 'a count of 0'; Map = @('0 1000 1', '5 2000 0'); Problem = "Entry 2 '5 2000 0' of the uid map: the count is 0" }
        @{ Name = 'the invalid id 4294967295'; Map = @('4294967295 1000 1'); Problem = 'inside id 4294967295 is out of range' }
        @{ Name = 'a range that wraps around'; Map = @('0 4294967290 10'); Problem = 'outside ids 4294967290..4294967299 go past 4294967294' }
        @{ Name = 'an inside overlap'; Map = @('0 100000 1000', '500 0 1'); Problem = "Entries 1 '0 100000 1000' and 2 '500 0 1' of the uid map overlap inside" }
        @{ Name = 'an outside overlap'; Map = @('0 100000 1000', '2000 100999 1'); Problem = 'overlap outside: the outside ids 100999..100999' }
        @{ Name = '341 entries'; Map = @(0..340 | ForEach-Object { "$_ $_ 1" }); Problem = 'has 341 entries; the kernel takes at most 340' }
        @{ Name = 'a text over one page'; Map = @(0..199 | ForEach-Object { "$(1000000000 + $_) $(2000000000 + $_) 1" }); Problem = 'the kernel takes less than one page (4096 bytes)' }
    )
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    $script:Started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()

    # An unmapped user namespace: unshare without --fork, so the sleep itself is inside.
    function New-Holder([string[]] $UnshareArguments = @('--user')) {
        $p = Start-Background unshare (@($UnshareArguments) + @('sleep', '600'))
        $Started.Add($p)
        Wait-Until { (Get-Content "/proc/$($p.Id)/comm" -ErrorAction Ignore) -eq 'sleep' } | Out-Null
        $p
    }

    function Get-ProcText([int] $ProcessId, [string] $Name) { [string](Get-Content -Raw "/proc/$ProcessId/$Name") }

    # Runs a command in a new pwsh (as root), optionally under a wrapper such as setpriv or unshare, and returns its output.
    function Invoke-ChildPwsh([string] $Command, [string[]] $Wrapper = @()) {
        $argv = @($Wrapper) + @(Get-PwshCommand) + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModuleManifest'; $Command")
        & $argv[0] @($argv | Select-Object -Skip 1)
    }

    $script:Ranges = @('0 100000 1000', '1000 0 1', '1001 101000 1000')
    $script:Expected = [NsPS.IdMap]$Ranges
}

AfterAll {
    if (Get-Command Stop-Tree -ErrorAction Ignore) { Stop-Tree $Started }
}

Describe 'NsPS.IdMap conversions in PowerShell' {
    It 'converts "<Text>"' -ForEach @(
        @{ Text = '0 1000 1'; Value = '0 1000 1' }
        @{ Text = '0:1000:1'; Value = '0:1000:1' }
        @{ Text = 'a hashtable with Inside/Outside'; Value = @{ Inside = 0; Outside = 1000; Count = 1 } }
        @{ Text = 'a hashtable with InsideId/OutsideId'; Value = @{ InsideId = 0; OutsideId = 1000; Count = 1 } }
    ) {
        ([NsPS.IdMap]$Value).ToString() | Should -Be '0 1000 1'
    }

    It 'converts arrays and multi-line strings, and prints the kernel''s form' {
        $map = [NsPS.IdMap]@('0 1000 1', '1 100000 65536')
        $map.ToString() | Should -Be '0 1000 1, 1 100000 65536'
        $map.ToKernelString() | Should -Be "         0       1000          1`n         1     100000      65536`n"
        ([NsPS.IdMap]"0 1000 1`n1 100000 65536").Equals($map) | Should -BeTrue
        $map.Count | Should -Be 2
        $map.Entries[1].OutsideId | Should -Be 100000
    }

    It 'gives an IdMap[] one map per element' {
        $maps = [NsPS.IdMap[]]@('0 1000 1', '1 100000 65536')
        $maps | Should -HaveCount 2
        $maps[1].ToString() | Should -Be '1 100000 65536'
    }

    It 'refuses a malformed entry with a message that names it' {
        { [NsPS.IdMap]'0 1000' } | Should -Throw "*'0 1000' is not an id map entry*"
        { [NsPS.IdMap]@{ Inside = -1; Outside = 0; Count = 1 } } | Should -Throw '*(Inside) is not an id*'
    }
}

Describe 'Set-IdMap as root' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
    Context 'writes the maps' -Tag 'KernelSmoke' {
        It 'maps several ranges from outside, exactly as asked' {
            $p = New-Holder
            Set-IdMap -ProcessId $p.Id -UidMap $Ranges -GidMap $Ranges -ErrorAction Stop | Should -BeNullOrEmpty
            (Get-ProcText $p.Id uid_map) | Should -BeExactly $Expected.ToKernelString()
            (Get-ProcText $p.Id gid_map) | Should -BeExactly $Expected.ToKernelString()
            # Root outside is 1000 inside ("1000 0 1"); nsenter switches to 0 inside, which is 100000 outside.
            nsenter -t $p.Id -U --preserve-credentials id -u | Should -Be '1000'
            nsenter -t $p.Id -U --preserve-credentials id -g | Should -Be '1000'
            nsenter -t $p.Id -U id -u | Should -Be '0'
            # Seen from the host, a process that is 0 inside runs as 100000, as the map says.
            $inside = Start-Background nsenter @('-t', $p.Id, '-U', 'sleep', '600')
            $Started.Add($inside)
            Wait-Until { (Get-Content "/proc/$($inside.Id)/comm" -ErrorAction Ignore) -eq 'sleep' } | Out-Null
            (Get-NsInode "/proc/$($inside.Id)/ns/user") | Should -Be (Get-NsInode "/proc/$($p.Id)/ns/user")
            (Select-String -Path "/proc/$($inside.Id)/status" -Pattern '^Uid:\s+(.*)$').Matches[0].Groups[1].Value -split '\s+' | Should -Be @('100000', '100000', '100000', '100000')
            (Select-String -Path "/proc/$($inside.Id)/status" -Pattern '^Gid:\s+(.*)$').Matches[0].Groups[1].Value -split '\s+' | Should -Be @('100000', '100000', '100000', '100000')
            # Seen from inside, root outside (the unshare'd sleep) is 1000, as the map says.
            (nsenter -t $p.Id -U --preserve-credentials cat "/proc/$($p.Id)/status" | Select-String '^Uid:\s+(\d+)').Matches[0].Groups[1].Value | Should -Be '1000'
        }

        It 'shows the maps back through Get-Namespace and -PassThru' {
            $p = New-Holder
            $ns = Set-IdMap -ProcessId $p.Id -UidMap $Ranges -GidMap '0:100000:65536' -PassThru -ErrorAction Stop
            $ns | Should -HaveCount 1
            $ns.Type | Should -Be 'User'
            $ns.Id | Should -Be (Get-NsInode "/proc/$($p.Id)/ns/user")
            $ns.UidMap.Equals($Expected) | Should -BeTrue
            $ns.GidMap.ToString() | Should -Be '0 100000 65536'
            $read = Get-Namespace -ProcessId $p.Id -Type User
            $read.UidMap.Equals($Expected) | Should -BeTrue
            $read.GidMap.Equals([NsPS.IdMap]'0 100000 65536') | Should -BeTrue
        }

        It 'maps a user namespace piped from Get-Namespace, with hashtables' {
            $p = New-Holder
            Get-Namespace -ProcessId $p.Id -Type User |
                Set-IdMap -UidMap @{ Inside = 0; Outside = 200000; Count = 65536 } -GidMap @{ InsideId = 0; OutsideId = 200000; Count = 65536 } -ErrorAction Stop
            (Get-ProcText $p.Id uid_map) | Should -BeExactly ([NsPS.IdMap]'0 200000 65536').ToKernelString()
            (Get-ProcText $p.Id gid_map) | Should -BeExactly ([NsPS.IdMap]'0 200000 65536').ToKernelString()
        }

        It 'writes setgroups before the gid map, and says so for every write' {
            $p = New-Holder
            $verbose = Set-IdMap -ProcessId $p.Id -UidMap '0 0 1' -GidMap '0 0 1' -SetGroups Deny -Verbose -ErrorAction Stop 4>&1 |
                ForEach-Object Message | Where-Object { $_ -like 'Writing *' }
            $verbose | Should -Be @(
                "Writing ""deny"" to /proc/$($p.Id)/setgroups (4 bytes in one write)."
                "Writing ""0 0 1\n"" to /proc/$($p.Id)/uid_map (6 bytes in one write)."
                "Writing ""0 0 1\n"" to /proc/$($p.Id)/gid_map (6 bytes in one write)."
            )
            (Get-ProcText $p.Id setgroups).Trim() | Should -Be 'deny'
        }

        It 'leaves setgroups alone when not asked' {
            $p = New-Holder
            Set-IdMap -ProcessId $p.Id -GidMap '0 0 1' -ErrorAction Stop
            (Get-ProcText $p.Id setgroups).Trim() | Should -Be 'allow'
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
        }

        It 'writes only setgroups when only -SetGroups is given' {
            $p = New-Holder
            Set-IdMap -ProcessId $p.Id -SetGroups Deny -ErrorAction Stop
            (Get-ProcText $p.Id setgroups).Trim() | Should -Be 'deny'
            (Get-ProcText $p.Id gid_map) | Should -BeNullOrEmpty
        }
    }

    Context '-WhatIf' {
        It 'changes nothing and shows the exact text for each file' {
            $p = New-Holder
            $out = Invoke-ChildPwsh "Set-IdMap -ProcessId $($p.Id) -UidMap '$($Ranges -join "','")' -GidMap '0 100000 65536' -SetGroups Deny -WhatIf"
            $LASTEXITCODE | Should -Be 0
            $out | Should -Be @(
                "What if: Performing the operation ""Write ""deny"""" on target ""/proc/$($p.Id)/setgroups""."
                "What if: Performing the operation ""Write ""0 100000 1000\n1000 0 1\n1001 101000 1000\n"""" on target ""/proc/$($p.Id)/uid_map""."
                "What if: Performing the operation ""Write ""0 100000 65536\n"""" on target ""/proc/$($p.Id)/gid_map""."
            )
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
            (Get-ProcText $p.Id gid_map) | Should -BeNullOrEmpty
            (Get-ProcText $p.Id setgroups).Trim() | Should -Be 'allow'
        }

        It 'shows the helper command line when a helper would write the map' -Skip:(-not $HasHelpers) -Tag 'SkipBecause: newuidmap and newgidmap are not installed (package uidmap)' {
            $p = New-Holder
            # newuidmap lets anyone map their own uid, so the plan passes the /etc/subuid check.
            $out = Invoke-ChildPwsh "Set-IdMap -ProcessId $($p.Id) -UidMap '0 0 1' -Helper Always -WhatIf"
            $out | Should -Be "What if: Performing the operation ""Run $((Get-Command newuidmap).Source) $($p.Id) 0 0 1"" on target ""/proc/$($p.Id)/uid_map""."
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
        }
    }

    Context 'refusals' {
        It 'refuses a second write with NsPS.MapAlreadyWritten' {
            $p = New-Holder
            Set-IdMap -ProcessId $p.Id -UidMap $Ranges -ErrorAction Stop
            $err = $null
            Set-IdMap -ProcessId $p.Id -UidMap '0 0 1' -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be 'NsPS.MapAlreadyWritten,NsPS.Commands.SetIdMapCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
            $inode = Get-NsInode "/proc/$($p.Id)/ns/user"
            $err[0].Exception.Message | Should -BeLike "The uid map of user namespace $inode (process $($p.Id)) was already written; a map can be written once.*"
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            (Get-ProcText $p.Id uid_map) | Should -BeExactly $Expected.ToKernelString()
        }

        It 'refuses <Name> with NsPS.InvalidIdMap before writing anything' -ForEach $InvalidCases {
            $p = New-Holder
            $err = $null
            Set-IdMap -ProcessId $p.Id -UidMap $Map -GidMap '0 0 1' -SetGroups Deny -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be 'NsPS.InvalidIdMap,NsPS.Commands.SetIdMapCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].Exception.Message | Should -BeLike "*$Problem*"
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
            (Get-ProcText $p.Id gid_map) | Should -BeNullOrEmpty
            (Get-ProcText $p.Id setgroups).Trim() | Should -Be 'allow'
        }

        It 'gives every problem its own error, naming the offending entry' {
            $p = New-Holder
            $err = $null
            Set-IdMap -ProcessId $p.Id -UidMap '0 0 1', '0 5 1', '7 8 0' -GidMap '0 4294967295 1' -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 3
            ($err | ForEach-Object { $_.FullyQualifiedErrorId -replace ',.*' } | Select-Object -Unique) | Should -Be 'NsPS.InvalidIdMap'
            $err.TargetObject | ForEach-Object { $_ | Should -BeOfType ([NsPS.IdMapEntry]) }
            $err.TargetObject | ForEach-Object ToString | Should -Be @('7 8 0', '0 5 1', '0 4294967295 1')
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
        }

        It 'refuses what is not a user namespace with NsPS.NotAUserNamespace' {
            $p = New-Holder
            $err = $null
            Get-Namespace -ProcessId $p.Id -Type Net | Set-IdMap -UidMap '0 0 1' -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be 'NsPS.NotAUserNamespace,NsPS.Commands.SetIdMapCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
        }

        It 'refuses a process that is gone: NsPS.ProcessNotFound by pid, NsPS.NamespaceGone by object' {
            $p = New-Holder
            $ns = Get-Namespace -ProcessId $p.Id -Type User
            Stop-Tree $p
            $err = $null
            Set-IdMap -ProcessId $p.Id -UidMap '0 0 1' -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be 'NsPS.ProcessNotFound,NsPS.Commands.SetIdMapCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.ErrnoName | Should -Be 'ENOENT'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            $err = $null
            $ns | Set-IdMap -UidMap '0 0 1' -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'NsPS.NamespaceGone,NsPS.Commands.SetIdMapCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'refuses a namespace object whose pid now leads to another namespace (pid reuse)' {
            $a = New-Holder
            $b = New-Holder
            $ns = Get-Namespace -ProcessId $a.Id -Type User
            # As if $a had exited and its pid had gone to $b.
            [NsPS.Namespace].GetProperty('Pid').SetValue($ns, $b.Id)
            $err = $null
            $ns | Set-IdMap -UidMap '0 0 1' -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'NsPS.NamespaceGone,NsPS.Commands.SetIdMapCommand'
            $err[0].Exception.Message | Should -BeLike "Process $($b.Id) is no longer in user:``[$($ns.Id)``]*"
            (Get-ProcText $a.Id uid_map) | Should -BeNullOrEmpty
            (Get-ProcText $b.Id uid_map) | Should -BeNullOrEmpty
        }

        It 'refuses a user namespace that is not a child of the caller''s with NsPS.NotAChildNamespace' {
            # The sleep is in a user namespace whose parent is the mapped namespace of the outer unshare.
            $p = New-Holder @('--user', '--map-root-user', 'unshare', '--user')
            $err = $null
            Set-IdMap -ProcessId $p.Id -UidMap '0 0 1' -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'NsPS.NotAChildNamespace,NsPS.Commands.SetIdMapCommand'
            # The kernel agrees: even root cannot write it from here.
            sh -c "echo '0 0 1' > /proc/$($p.Id)/uid_map" 2>$null
            $LASTEXITCODE | Should -Not -Be 0
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
        }

        It 'refuses to map outside uid 0 without CAP_SETFCAP, as the kernel does' {
            $p = New-Holder
            $command = "Set-IdMap -ProcessId $($p.Id) -UidMap '0 0 1' 2>&1 | ForEach-Object FullyQualifiedErrorId; Set-IdMap -ProcessId $($p.Id) -GidMap '0 0 1' -ErrorAction Stop"
            $out = Invoke-ChildPwsh $command -Wrapper setpriv, '--inh-caps=-setfcap', '--bounding-set=-setfcap', '--'
            $out | Should -Be 'NsPS.MapRootNeedsSetFcap,NsPS.Commands.SetIdMapCommand'
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
            (Get-ProcText $p.Id gid_map).Trim() -split '\s+' | Should -Be @('0', '0', '1')
            # The kernel refuses the same write from a shell without CAP_SETFCAP, and takes it with it.
            setpriv --inh-caps=-setfcap --bounding-set=-setfcap -- sh -c "echo '0 0 1' > /proc/$($p.Id)/uid_map" 2>$null
            $LASTEXITCODE | Should -Not -Be 0
            Set-IdMap -ProcessId $p.Id -UidMap '0 0 1' -ErrorAction Stop
            (Get-ProcText $p.Id uid_map).Trim() -split '\s+' | Should -Be @('0', '0', '1')
        }

        It 'checks /etc/subuid before running newuidmap, also for root (-Helper Always)' -Skip:(-not $HasHelpers) -Tag 'SkipBecause: newuidmap and newgidmap are not installed (package uidmap)' {
            $p = New-Holder
            $err = $null
            Set-IdMap -ProcessId $p.Id -UidMap '0 0 1', '1 4000000000 10' -Helper Always -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be 'NsPS.SubordinateIdsNotAllocated,NsPS.Commands.SetIdMapCommand'
            $err[0].Exception.Message | Should -BeLike "*'1 4000000000 10' maps the outside uids 4000000000..4000000009*/etc/subuid allows user 'root' (uid 0) the uids*"
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
        }

        It 'reports a missing helper with NsPS.HelperNotFound' {
            $p = New-Holder
            $command = "Set-IdMap -ProcessId $($p.Id) -UidMap '0 0 1' -GidMap '0 0 1' -Helper Always 2>&1 | ForEach-Object { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
            # In a private mount namespace, /dev/null (not executable) covers the helpers where they are installed.
            $hide = 'for n in newuidmap newgidmap; do f=$(command -v $n) || continue; mount --bind /dev/null "$f" || exit 1; done; exec "$@"'
            $out = Invoke-ChildPwsh $command -Wrapper unshare, '--mount', '--propagation', 'private', 'sh', '-c', $hide, 'sh'
            $out | Should -HaveCount 4
            $out[0] | Should -Be 'NsPS.HelperNotFound,NsPS.Commands.SetIdMapCommand'
            $out[1] | Should -Be 'newuidmap was not found in PATH nor in /usr/bin, /bin, /usr/sbin, /sbin, and the uid map is to be written through it.'
            $out[3] | Should -BeLike 'newgidmap was not found*'
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
        }

        It 'asks for something to write with NsPS.NothingToWrite' {
            $p = New-Holder
            $err = $null
            Set-IdMap -ProcessId $p.Id -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be 'NsPS.NothingToWrite,NsPS.Commands.SetIdMapCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            (Get-ProcText $p.Id uid_map) | Should -BeNullOrEmpty
            (Get-ProcText $p.Id gid_map) | Should -BeNullOrEmpty
            (Get-ProcText $p.Id setgroups).Trim() | Should -Be 'allow'
        }

        It 'names the missing subordinate ids of -MapSubordinateIds' -Skip:$RootHasSubordinateIds -Tag 'SkipBecause: root has subordinate ids in /etc/subuid or /etc/subgid here' {
            $p = New-Holder
            $err = $null
            Set-IdMap -ProcessId $p.Id -MapSubordinateIds -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 2
            $err | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'NsPS.NoSubordinateIds,NsPS.Commands.SetIdMapCommand' }
            $err.Exception.Message | Should -Be @("/etc/subuid gives no subordinate uids to user 'root' (uid 0).", "/etc/subgid gives no subordinate gids to user 'root' (uid 0).")
            $err[0].ErrorDetails.RecommendedAction | Should -BeLike "Add lines 'root:START:COUNT' to /etc/subuid and /etc/subgid*"
        }
    }
}

Describe 'Set-IdMap as a plain user' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root to run a plain user with setpriv' {
    BeforeAll {
        # A system user of its own, with two subordinate ranges: one by name, one by numeric uid.
        $script:UserName = 'nsps-test-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        useradd --system --no-create-home --user-group --shell /usr/sbin/nologin $UserName
        if ($LASTEXITCODE) { throw "useradd $UserName failed" }
        $script:Uid = [int](id -u $UserName)
        $script:Gid = [int](id -g $UserName)
        $script:SubLines = @("${UserName}:200000:1000", "${Uid}:300000:500")
        foreach ($file in '/etc/subuid', '/etc/subgid') {
            $text = [IO.File]::ReadAllText($file)
            $prefix = if ($text.Length -gt 0 -and -not $text.EndsWith("`n")) { "`n" } else { '' }
            [IO.File]::AppendAllText($file, $prefix + ($SubLines -join "`n") + "`n")
        }
        $script:Sandbox = New-UserSandbox

        # Each child starts its own holder (an unmapped user namespace owned by the test user) and kills it.
        $script:Prelude = @'
function New-Holder {
    $psi = [Diagnostics.ProcessStartInfo]::new('unshare')
    foreach ($a in '--user', 'sleep', '600') { $psi.ArgumentList.Add($a) }
    $p = [Diagnostics.Process]::Start($psi)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    while ((Get-Content "/proc/$($p.Id)/comm" -ErrorAction Ignore) -ne 'sleep') {
        if ($sw.ElapsedMilliseconds -gt 60000) { throw "unshare --user sleep (pid $($p.Id)) did not start in 60 s" }
        Start-Sleep -Milliseconds 10
    }
    $p
}
function Get-Maps([int] $ProcessId) {
    [pscustomobject]@{
        Uid = [string](Get-Content -Raw "/proc/$ProcessId/uid_map")
        Gid = [string](Get-Content -Raw "/proc/$ProcessId/gid_map")
        SetGroups = (Get-Content "/proc/$ProcessId/setgroups")
    }
}
$h = New-Holder
try {
'@
        $script:Postlude = "`n} finally { `$h.Kill(); `$h.WaitForExit() }"

        function New-UserScript([string] $Body) {
            [scriptblock]::Create($Prelude + ($Body -replace '@UID@', $Uid -replace '@GID@', $Gid -replace '@ROOTPID@', $RootHolder.Id) + $Postlude)
        }

        # The children run with Invoke-AsUser -KeepBoundingSet: a plain user keeps the full capability bounding
        # set, so that the set-user-id newuidmap and newgidmap work (Invoke-AsUser alone empties it).
        function Get-Maps($Records) { $Records | Where-Object { $_.PSObject.Properties['SetGroups'] } }
        function Get-Errors($Records) { @($Records | Where-Object { $_.PSObject.TypeNames -match 'ErrorRecord' }) }

        $script:RootHolder = New-Holder
    }

    AfterAll {
        if ($Sandbox) { Remove-Item $Sandbox -Recurse -Force -ErrorAction Ignore }
        if ($SubLines) {
            foreach ($file in '/etc/subuid', '/etc/subgid') {
                $kept = [IO.File]::ReadAllLines($file) | Where-Object { $_ -notin $SubLines }
                [IO.File]::WriteAllText($file, $(if ($kept) { ($kept -join "`n") + "`n" } else { '' }))
            }
        }
        if ($UserName) { userdel $UserName 2>$null }
    }

    It 'writes its own single id directly, setgroups deny first (-Helper Never)' -Tag 'KernelSmoke' {
        $r = Invoke-AsUser $Sandbox -Uid $Uid -Gid $Gid -KeepBoundingSet (New-UserScript @'
Set-IdMap -ProcessId $h.Id -UidMap '0 @UID@ 1' -GidMap '0 @GID@ 1' -Helper Never -Verbose 4>&1 | ForEach-Object { "$_" }
Get-Maps $h.Id
nsenter -t $h.Id -U --preserve-credentials id -u
'@)
        Get-Errors $r | Should -BeNullOrEmpty
        $maps = Get-Maps $r
        $maps.Uid | Should -BeExactly ([NsPS.IdMap]"0 $Uid 1").ToKernelString()
        $maps.Gid | Should -BeExactly ([NsPS.IdMap]"0 $Gid 1").ToKernelString()
        $maps.SetGroups | Should -Be 'deny'
        ($r | Where-Object { $_ -like 'Writing "deny" to /proc/*/setgroups (4 bytes in one write).' }) | Should -HaveCount 1
        ($r | Where-Object { $_ -like 'Writing "0 * 1\n" to /proc/*/uid_map (* bytes in one write).' }) | Should -HaveCount 1
        ($r | Where-Object { $_ -like 'Running *' }) | Should -BeNullOrEmpty
        $r[-1] | Should -Be '0'
    }

    It 'maps several ranges through newuidmap and newgidmap' -Skip:(-not $HasHelpers) -Tag 'KernelSmoke', 'SkipBecause: newuidmap and newgidmap are not installed (package uidmap)' {
        $r = Invoke-AsUser $Sandbox -Uid $Uid -Gid $Gid -KeepBoundingSet (New-UserScript @'
Set-IdMap -ProcessId $h.Id -UidMap '0 @UID@ 1', '1 200000 1000', '1001 300000 500' -GidMap '0 @GID@ 1', '1 200000 1000' -Verbose 4>&1 | ForEach-Object { "$_" }
Get-Maps $h.Id
'@)
        Get-Errors $r | Should -BeNullOrEmpty
        $maps = Get-Maps $r
        $maps.Uid | Should -BeExactly ([NsPS.IdMap]@("0 $Uid 1", '1 200000 1000', '1001 300000 500')).ToKernelString()
        $maps.Gid | Should -BeExactly ([NsPS.IdMap]@("0 $Gid 1", '1 200000 1000')).ToKernelString()
        # newgidmap leaves setgroups 'allow' when a range comes from /etc/subgid.
        $maps.SetGroups | Should -Be 'allow'
        ($r | Where-Object { $_ -like 'Running /*newuidmap * 0 * 1 1 200000 1000 1001 300000 500 (writes /proc/*/uid_map).' }) | Should -HaveCount 1
        ($r | Where-Object { $_ -like 'Running /*newgidmap * 0 * 1 1 200000 1000 (writes /proc/*/gid_map).' }) | Should -HaveCount 1
    }

    It 'maps itself and all its subordinate ranges with -MapSubordinateIds' -Skip:(-not $HasHelpers) -Tag 'SkipBecause: newuidmap and newgidmap are not installed (package uidmap)' {
        $r = Invoke-AsUser $Sandbox -Uid $Uid -Gid $Gid -KeepBoundingSet (New-UserScript @'
Set-IdMap -ProcessId $h.Id -MapSubordinateIds -PassThru | ForEach-Object { $_.UidMap.ToString(); $_.GidMap.ToString() }
Get-Maps $h.Id
'@)
        Get-Errors $r | Should -BeNullOrEmpty
        $expected = [NsPS.IdMap]@("0 $Uid 1", '1 200000 1000', '1001 300000 500')
        $r[0] | Should -Be $expected.ToString()
        $r[1] | Should -Be ([NsPS.IdMap]@("0 $Gid 1", '1 200000 1000', '1001 300000 500')).ToString()
        (Get-Maps $r).Uid | Should -BeExactly $expected.ToKernelString()
    }

    It 'refuses ranges outside its allocation, naming the file and the ranges allowed, before running a helper' -Skip:(-not $HasHelpers) -Tag 'SkipBecause: newuidmap and newgidmap are not installed (package uidmap)' {
        $r = Invoke-AsUser $Sandbox -Uid $Uid -Gid $Gid -KeepBoundingSet (New-UserScript @'
Set-IdMap -ProcessId $h.Id -UidMap '0 @UID@ 1', '1 400000 10' -GidMap '0 @GID@ 1', '1 300000 501'
Get-Maps $h.Id
'@)
        $errors = Get-Errors $r
        $errors | Should -HaveCount 2
        $errors.FullyQualifiedErrorId | ForEach-Object { $_ | Should -Be 'NsPS.SubordinateIdsNotAllocated,NsPS.Commands.SetIdMapCommand' }
        $errors[0].Exception.Message | Should -Be "The uid map entry 2 '1 400000 10' maps the outside uids 400000..400009, which are not in the caller's allocation: /etc/subuid allows user '$UserName' (uid $Uid) the uids 200000..200999, 300000..300499, and uid $Uid itself (count 1)."
        $errors[1].Exception.Message | Should -BeLike "The gid map entry 2 '1 300000 501' maps the outside gids 300000..300500, * /etc/subgid allows user '$UserName' (uid $Uid) the gids 200000..200999, 300000..300499, and gid $Gid itself (count 1)."
        $maps = Get-Maps $r
        $maps.Uid | Should -BeNullOrEmpty
        $maps.Gid | Should -BeNullOrEmpty
    }

    It 'refuses a second write with NsPS.MapAlreadyWritten' {
        $r = Invoke-AsUser $Sandbox -Uid $Uid -Gid $Gid -KeepBoundingSet (New-UserScript @'
Set-IdMap -ProcessId $h.Id -UidMap '0 @UID@ 1' -Helper Never
Set-IdMap -ProcessId $h.Id -UidMap '5 @UID@ 1' -Helper Never
Get-Maps $h.Id
'@)
        $errors = Get-Errors $r
        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'NsPS.MapAlreadyWritten,NsPS.Commands.SetIdMapCommand'
        $errors[0].Exception.Message | Should -BeLike '*was already written; a map can be written once*'
        (Get-Maps $r).Uid | Should -BeExactly ([NsPS.IdMap]"0 $Uid 1").ToKernelString()
    }

    It 'refuses several ranges without the helper (-Helper Never) with NsPS.PrivilegeRequired' {
        $r = Invoke-AsUser $Sandbox -Uid $Uid -Gid $Gid -KeepBoundingSet (New-UserScript @'
Set-IdMap -ProcessId $h.Id -UidMap '0 @UID@ 1', '1 200000 10' -Helper Never
Get-Maps $h.Id
'@)
        $errors = Get-Errors $r
        $errors[0].FullyQualifiedErrorId | Should -Be 'NsPS.PrivilegeRequired,NsPS.Commands.SetIdMapCommand'
        $errors[0].Exception.Message | Should -BeLike "*needs CAP_SETUID or newuidmap*only the single entry 'ID $Uid 1'*"
        (Get-Maps $r).Uid | Should -BeNullOrEmpty
    }

    It 'refuses -SetGroups Allow for its own gid written directly, with NsPS.SetGroupsNotDenied' {
        $r = Invoke-AsUser $Sandbox -Uid $Uid -Gid $Gid -KeepBoundingSet (New-UserScript @'
Set-IdMap -ProcessId $h.Id -GidMap '0 @GID@ 1' -SetGroups Allow -Helper Never
Get-Maps $h.Id
'@)
        (Get-Errors $r)[0].FullyQualifiedErrorId | Should -Be 'NsPS.SetGroupsNotDenied,NsPS.Commands.SetIdMapCommand'
        (Get-Maps $r).Gid | Should -BeNullOrEmpty
    }

    It 'refuses another user''s process with NsPS.MapFileNotWritable' {
        $r = Invoke-AsUser $Sandbox -Uid $Uid -Gid $Gid -KeepBoundingSet (New-UserScript @'
Set-IdMap -ProcessId @ROOTPID@ -UidMap '0 @UID@ 1'
'@)
        $errors = Get-Errors $r
        $errors[0].FullyQualifiedErrorId | Should -Be 'NsPS.MapFileNotWritable,NsPS.Commands.SetIdMapCommand'
        $errors[0].Exception.Message | Should -BeLike "Uid $Uid can neither read the user namespace of process $($RootHolder.Id) nor write its maps: the process belongs to uid 0*EACCES*"
        (Get-ProcText $RootHolder.Id uid_map) | Should -BeNullOrEmpty
    }

    It 'says why newuidmap cannot work when the capability bounding set is empty (Invoke-AsUser)' -Skip:(-not $HasHelpers) -Tag 'SkipBecause: newuidmap and newgidmap are not installed (package uidmap)' {
        $r = Invoke-AsUser $Sandbox (New-UserScript @'
Set-IdMap -ProcessId $h.Id -UidMap '0 @UID@ 1', '1 200000 10' -GidMap '0 @GID@ 1' -Helper Always
Get-Maps $h.Id
'@) -Uid $Uid -Gid $Gid
        $errors = Get-Errors $r
        $errors | Should -HaveCount 2
        $errors[0].FullyQualifiedErrorId | Should -Be 'NsPS.PrivilegeRequired,NsPS.Commands.SetIdMapCommand'
        $errors[0].Exception.Message | Should -Be 'newuidmap cannot gain CAP_SETUID when started from this process: the capability bounding set lacks it (CapBnd in /proc/self/status).'
        $errors[1].Exception.Message | Should -BeLike 'newgidmap cannot gain CAP_SETGID*'
        (Get-Maps $r).Uid | Should -BeNullOrEmpty
    }
}
