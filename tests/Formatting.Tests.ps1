#Requires -Version 7.4
# The views of NsPS.Format.ps1xml, the tree of Get-Namespace -Tree (against lsns --tree), and how the
# objects convert to JSON and CSV.

BeforeDiscovery {
    $viewTypes = 'NsPS.Namespace', 'NsPS.Namespace#Tree', 'NsPS.IdMap', 'NsPS.IdMapEntry', 'NsPS.RunResult'
}

BeforeAll {
    . $PSScriptRoot/common.ps1

    # A nested population, made with the real tools: user namespace U1 (root mapped) owns a net and a uts
    # namespace and a child user namespace U2, which owns a pid namespace P2 (a child of this pid namespace).
    # (sh waits for the inner unshare: '; true' keeps it from exec'ing it and moving to U2 itself.)
    $script:Outer = Start-Background unshare @('--user', '--map-root-user', '--net', '--uts', 'sh', '-c', 'unshare --user --pid --fork sleep 600; true')
    Wait-Until {
        $inner = @(Get-ChildPid $Outer.Id)
        $inner.Count -eq 1 -and @(Get-ChildPid $inner[0]).Count -eq 1 -and
            (Get-Content "/proc/$(@(Get-ChildPid $inner[0])[0])/comm" -ErrorAction Ignore) -eq 'sleep'
    }
    $script:InnerPid = @(Get-ChildPid $Outer.Id)[0]
    $script:SleepPid = @(Get-ChildPid $InnerPid)[0]
    $script:Ids = @{
        U1 = Get-NsInode "/proc/$($Outer.Id)/ns/user"
        N1 = Get-NsInode "/proc/$($Outer.Id)/ns/net"
        T1 = Get-NsInode "/proc/$($Outer.Id)/ns/uts"
        U2 = Get-NsInode "/proc/$InnerPid/ns/user"
        P2 = Get-NsInode "/proc/$SleepPid/ns/pid"
        U0 = Get-NsInode "/proc/self/ns/user"
        P0 = Get-NsInode "/proc/self/ns/pid"
    }

    function Out-Text([Parameter(ValueFromPipeline)] $InputObject) {
        begin { $all = [System.Collections.Generic.List[object]]::new() }
        process { $all.Add($InputObject) }
        end { ($all | Out-String -Width 250) -split "`r?`n" | ForEach-Object TrimEnd }
    }

    # The labels of a Format-List of one object, in order.
    function Get-ListLabel([object] $InputObject) {
        $InputObject | Format-List | Out-String -Width 250 | ForEach-Object { $_ -split "`r?`n" } |
            Where-Object { $_ -match '^(\w+)\s*:' } | ForEach-Object { $Matches[1] }
    }

    # id -> @{ Parent = id or $null; Depth = n } of a tree drawn by Get-Namespace -Tree (depth first).
    function ConvertFrom-Tree([object[]] $Node) {
        $map = @{}
        $stack = [System.Collections.Generic.List[uint64]]::new()
        foreach ($n in $Node) {
            while ($stack.Count -gt $n.TreeDepth) { $stack.RemoveAt($stack.Count - 1) }
            $map["$($n.Id)"] = @{ Parent = if ($stack.Count) { $stack[$stack.Count - 1] } else { $null }; Depth = [int]$n.TreeDepth }
            $stack.Add($n.Id)
        }
        $map
    }

    # The same for the nested JSON of lsns --tree.
    function ConvertFrom-LsnsTree([string] $Relation) {
        $map = @{}
        $walk = {
            param($nodes, $parent, $depth)
            foreach ($n in $nodes) {
                $map["$($n.ns)"] = @{ Parent = $parent; Depth = $depth }
                if ($n.PSObject.Properties['children']) { & $walk $n.children ([uint64]$n.ns) ($depth + 1) }
            }
        }
        & $walk ((lsns -J "--tree=$Relation" -o NS,TYPE | ConvertFrom-Json).namespaces) $null 0
        $map
    }
}

AfterAll {
    if (Get-Command Stop-Tree -ErrorAction Ignore) { Stop-Tree $Outer }
}

Describe 'Format views' {
    It 'has a table view for <_> and for its Deserialized twin' -ForEach $viewTypes {
        foreach ($name in $_, "Deserialized.$_") {
            $data = Get-FormatData -TypeName $name
            $data | Should -Not -BeNullOrEmpty -Because "$name needs a view"
            @($data.FormatViewDefinition.Control | Where-Object { $_ -is [System.Management.Automation.TableControl] }) |
                Should -HaveCount 1 -Because "$name needs one table view"
        }
    }

    It 'has a list view for NsPS.Namespace and for its Deserialized twin' {
        foreach ($name in 'NsPS.Namespace', 'Deserialized.NsPS.Namespace') {
            @((Get-FormatData -TypeName $name).FormatViewDefinition.Control | Where-Object { $_ -is [System.Management.Automation.ListControl] }) |
                Should -HaveCount 1
        }
    }
}

Describe 'The namespace table' {
    It 'shows the columns of lsns, one line per namespace' {
        $text = Get-Namespace -ProcessId $Outer.Id -Type Net, Uts | Out-Text
        $text | Should -Contain 'Type           Id Processes     Pid User       Name         Command'
        # sh, the inner unshare and sleep are in them; the lowest pid is sh's.
        $text | Where-Object { $_ -match "^Net\s+$($Ids.N1)\s+3\s+$($Outer.Id)\s+root\s+sh -c unshare " } | Should -HaveCount 1
        $text | Where-Object { $_ -match "^Uts\s+$($Ids.T1)\s+3\s+$($Outer.Id)\s+root\s+sh -c unshare " } | Should -HaveCount 1
    }
}

Describe 'The namespace list' {
    It 'shows the detail of a user namespace, its maps in the kernel form on one line' {
        $ns = Get-Namespace -ProcessId $Outer.Id -Type User
        Get-ListLabel $ns | Should -Be @('Type', 'Id', 'UniqueId', 'Name', 'ProcessCount', 'Pid', 'Command', 'User', 'Owner',
            'Parent', 'OwnerUid', 'Paths', 'UidMap', 'GidMap', 'HolderPid', 'IsCurrent')
        $text = $ns | Format-List | Out-Text
        $text | Should -Contain "Id           : $($Ids.U1)"
        $text | Should -Contain "Parent       : $($Ids.U0)"
        # --map-root-user maps root inside to the caller (root) outside: the kernel's "0 0 1".
        $kernel = (Get-Content "/proc/$($Outer.Id)/uid_map" -Raw).Trim() -split '\s+' -join ' '
        $text | Should -Contain "UidMap       : $kernel"
    }

    It 'leaves out, for a net namespace, the lines that only user and pid namespaces have' {
        $ns = Get-Namespace -ProcessId $Outer.Id -Type Net
        Get-ListLabel $ns | Should -Be @('Type', 'Id', 'UniqueId', 'Name', 'ProcessCount', 'Pid', 'Command', 'User', 'Owner',
            'Paths', 'NetNsId', 'HolderPid', 'IsCurrent')
        $ns | Format-List | Out-Text | Should -Contain "Owner        : $($Ids.U1)"
    }

    It 'shows a parent for a pid namespace' {
        $ns = Get-Namespace -ProcessId $SleepPid -Type Pid
        Get-ListLabel $ns | Should -Contain 'Parent'
        $ns | Format-List | Out-Text | Should -Contain "Parent       : $($Ids.P0)"
    }

    It 'joins a map of several entries with commas, as the map prints' {
        $set = New-Namespace -Type User -UidMap '0 200000 100', '100 0 1' -GidMap '0 200000 100', '100 0 1'
        try {
            $ns = Get-Namespace -ProcessId $set.HolderPid -Type User
            $kernel = (Get-Content "/proc/$($set.HolderPid)/uid_map" | ForEach-Object { ($_.Trim() -split '\s+') -join ' ' }) -join ', '
            $kernel | Should -Be '0 200000 100, 100 0 1'
            $ns | Format-List | Out-Text | Should -Contain "UidMap       : $kernel"
        }
        finally { $set | Remove-Namespace }
    }

    It 'still shows every property with Format-List *' {
        $labels = Get-Namespace -ProcessId $Outer.Id -Type Net | Format-List * | Out-Text |
            Where-Object { $_ -match '^(\w+)\s*:' } | ForEach-Object { $Matches[1] }
        $labels | Should -Be ([NsPS.Namespace].GetProperties().Name)
    }
}

Describe 'The id map views' {
    It 'lists the entries of a map piped on, aligned as /proc/PID/uid_map' {
        $map = (Get-Namespace -ProcessId $Outer.Id -Type User).UidMap
        $text = $map | Out-Text | Where-Object { $_ }
        $text[0] | Should -Match '^\s+InsideId\s+OutsideId\s+Count$'
        # The columns are as wide as the kernel's "%10u %10u %10u".
        $text[2] | Should -Be (Get-Content "/proc/$($Outer.Id)/uid_map")
    }

    It 'shows a map formatted as one object as its entries in one line' {
        $map = [NsPS.IdMap]'0 100000 65536; 65536 0 1'
        $text = Format-Table -InputObject $map -Expand CoreOnly | Out-Text | Where-Object { $_ }
        $text[0] | Should -Match '^Entries\s+Map$'
        $text[2] | Should -Match '^\s+2 0 100000 65536, 65536 0 1$'
    }
}

Describe 'The run result table' {
    It 'shows Pid, ExitCode, Signal and Command' {
        $ctor = [NsPS.RunResult].GetConstructors([System.Reflection.BindingFlags]'NonPublic, Instance')[0]
        $results = $ctor.Invoke(@('ip link', 4242, 0, $null)), $ctor.Invoke(@('sleep 600', 4243, $null, 9))
        $text = $results | Out-Text | Where-Object { $_ }
        $text[0] | Should -Match '^\s+Pid\s+ExitCode\s+Signal\s+Command$'
        $text[2] | Should -Match '^\s+4242\s+0\s+ip link$'
        $text[3] | Should -Match '^\s+4243\s+9 sleep 600$'
    }
}

Describe 'Get-Namespace -Tree' {
    Context 'by owner' {
        BeforeAll {
            $script:Tree = @(Get-Namespace -Tree Owner)
            $script:Ours = ConvertFrom-Tree $Tree
            $script:Theirs = ConvertFrom-LsnsTree owner
        }

        It 'writes each namespace once, in the tree order' {
            @($Tree | ForEach-Object { "$($_.Type):$($_.Id)" } | Select-Object -Unique).Count | Should -Be $Tree.Count
            $Tree[0].TreeDepth | Should -Be 0
        }

        It 'places <_> as lsns --tree=owner does' -ForEach 'U1', 'N1', 'T1', 'U2', 'P2' {
            $id = "$($Ids[$_])"
            $Theirs[$id] | Should -Not -BeNullOrEmpty -Because 'lsns sees it'
            $Ours[$id].Parent | Should -Be $Theirs[$id].Parent
            $Ours[$id].Depth | Should -Be $Theirs[$id].Depth
        }

        It 'agrees with lsns about every namespace both list under a common parent' {
            $disagree = foreach ($id in $Theirs.Keys) {
                $t = $Theirs[$id]; $o = $Ours[$id]
                if ($o -and $null -ne $t.Parent -and $Ours.ContainsKey("$($t.Parent)") -and $o.Parent -ne $t.Parent) { "$id under $($o.Parent), lsns: $($t.Parent)" }
            }
            $disagree | Should -BeNullOrEmpty
        }

        It 'draws the tree in the table, as lsns draws it' {
            $text = Get-Namespace -ProcessId $SleepPid -Tree Owner | Out-Text
            $text | Where-Object { $_ -match '^Tree\s+Type\s+Processes\s+Pid\s+User\s+Name\s+Command$' } | Should -HaveCount 1
            # The namespaces of sleep and their owners: U0 owns the initial ones and U1 (its last child, by
            # kind); U1 owns N1, U2 and T1; U2 owns P2.
            $text | Where-Object { $_ -match "^$($Ids.U0)\s+User\s" } | Should -HaveCount 1
            $text | Where-Object { $_ -match "^└─$($Ids.U1)\s+User\s" } | Should -HaveCount 1
            $text | Where-Object { $_ -match "^  ├─$($Ids.N1)\s+Net\s" } | Should -HaveCount 1
            $text | Where-Object { $_ -match "^  ├─$($Ids.U2)\s+User\s" } | Should -HaveCount 1
            $text | Where-Object { $_ -match "^  │ └─$($Ids.P2)\s+Pid\s+1\s+$SleepPid\s+root\s+sleep 600$" } | Should -HaveCount 1
            $text | Where-Object { $_ -match "^  └─$($Ids.T1)\s+Uts\s" } | Should -HaveCount 1
        }

        It 'writes the namespaces themselves, with TreeDepth and Tree' {
            $node = $Tree | Where-Object Id -eq $Ids.P2
            $node.PSObject.BaseObject | Should -BeOfType ([NsPS.Namespace])
            $node.PSTypeNames[0] | Should -Be 'NsPS.Namespace#Tree'
            $node.TreeDepth | Should -Be $Ours["$($Ids.P2)"].Depth
            $node.Tree | Should -Match "─$($Ids.P2)$"
            $node.Tree.Length | Should -Be (2 * $node.TreeDepth + "$($Ids.P2)".Length)
        }

        It 'brings the owners of a filtered selection, to keep the tree whole' {
            $nodes = @(Get-Namespace -Type Pid -Tree Owner)
            $nodes | Where-Object Id -eq $Ids.P2 | Should -HaveCount 1
            $nodes.Id | Should -Contain $Ids.U2
            $nodes.Id | Should -Contain $Ids.U1
            @($nodes | Where-Object { $_.Type -notin 'Pid', 'User' }) | Should -HaveCount 0
        }
    }

    Context 'by parent' {
        BeforeAll {
            $script:Tree = @(Get-Namespace -Tree Parent)
            $script:Ours = ConvertFrom-Tree $Tree
            $script:Theirs = ConvertFrom-LsnsTree parent
        }

        It 'places <_> as lsns --tree=parent does' -ForEach 'U1', 'U2', 'P2', 'N1' {
            $id = "$($Ids[$_])"
            $Theirs[$id] | Should -Not -BeNullOrEmpty -Because 'lsns sees it'
            $Ours[$id].Parent | Should -Be $Theirs[$id].Parent
            $Ours[$id].Depth | Should -Be $Theirs[$id].Depth
        }

        It 'puts the new pid namespace under this one, and nothing under a net namespace' {
            $Ours["$($Ids.P2)"].Parent | Should -Be $Ids.P0
            $Ours["$($Ids.N1)"].Depth | Should -Be 0
        }
    }
}

Describe 'Conversion' {
    It 'converts every namespace to JSON quickly, with maps as lists of entries' {
        $all = Get-Namespace
        $elapsed = Measure-Command { $script:Json = $all | ConvertTo-Json -Depth 5 }
        $elapsed.TotalSeconds | Should -BeLessThan 5
        $back = $Json | ConvertFrom-Json
        $back | Should -HaveCount $all.Count
        $user = $back | Where-Object Id -eq $Ids.U1
        $user.UidMap | Should -HaveCount 1
        $user.UidMap[0].PSObject.Properties.Name | Should -Be 'InsideId', 'OutsideId', 'Count'
        $user.ProcessIds | Should -Contain $Outer.Id
        $user.Type | Should -Be ([int][NsPS.NamespaceType]::User)
    }

    It 'converts a tree to JSON with its place in the tree' {
        $back = Get-Namespace -ProcessId $SleepPid -Type Pid -Tree Owner | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        ($back | Where-Object Id -eq $Ids.P2).TreeDepth | Should -Be 3
    }

    It 'exports to CSV with one column per property and readable scalar columns' {
        $rows = Get-Namespace -ProcessId $Outer.Id -Type User, Net | ConvertTo-Csv | ConvertFrom-Csv
        $rows[0].PSObject.Properties.Name | Should -Be ([NsPS.Namespace].GetProperties().Name)
        $user = $rows | Where-Object Id -eq "$($Ids.U1)"
        $user.Type | Should -Be 'User'
        $user.UidMap | Should -Be ((Get-Content "/proc/$($Outer.Id)/uid_map" -Raw).Trim() -split '\s+' -join ' ')
        $user.IsCurrent | Should -Be 'False'
        # Lists read as values, not as a type name.
        $user.ProcessIds | Should -Be ((Get-Namespace -NamespaceId $Ids.U1).ProcessIds -join ', ')
        $user.ProcessIds | Should -Not -Match 'System\.'
    }
}
