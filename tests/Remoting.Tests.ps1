#Requires -Version 7.4
# Objects that cross a process boundary (PSSerializer, as remoting and jobs use it) keep their type
# names (Deserialized.NsPS.*), their values, and their look.

BeforeAll {
    . $PSScriptRoot/common.ps1

    # Each object through the serializer on its own, at the default depth, as remoting sends it.
    function Copy-Deserialized {
        param([Parameter(ValueFromPipeline)] $InputObject)
        process { [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($InputObject)) }
    }
    function Out-Text([object[]] $InputObject, [switch] $List) {
        if ($List) { $InputObject | Format-List | Out-String -Width 250 } else { $InputObject | Format-Table | Out-String -Width 250 }
    }

    # A user namespace with a map of two entries, a net and a uts namespace, made by unshare.
    $script:Sleeper = Start-Background unshare @('--user', '--map-root-user', '--net', '--uts', 'sleep', '600')
    Wait-Until { (Get-Content "/proc/$($Sleeper.Id)/comm" -ErrorAction Ignore) -eq 'sleep' -and (Get-Content "/proc/$($Sleeper.Id)/uid_map" -Raw) }
    $script:Live = @(Get-Namespace -ProcessId $Sleeper.Id)
}

AfterAll {
    if (Get-Command Stop-Tree -ErrorAction Ignore) { Stop-Tree $Sleeper }
}

Describe 'Serialization round trips' {
    It 'keeps the type name of <_>' -ForEach 'NsPS.Namespace', 'NsPS.IdMapEntry', 'NsPS.IdMap' {
        $samples = @{
            'NsPS.Namespace'  = $Live[0]
            'NsPS.IdMapEntry' = [NsPS.IdMapEntry]'0 1000 1'
            'NsPS.IdMap'      = [NsPS.IdMap]'0 1000 1; 1 100000 65536'
        }
        # Straight from the serializer: a function would unroll the deserialized map into its entries.
        $back = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($samples[$_]))
        $back.PSObject.TypeNames[0] | Should -Be "Deserialized.$_"
    }

    It 'keeps every property of a namespace, the arrays and the id maps included' {
        $user = $Live | Where-Object Type -eq User
        $back = Copy-Deserialized -InputObject $user
        foreach ($p in 'Id', 'Device', 'UniqueId', 'ProcessCount', 'Pid', 'Command', 'Uid', 'User', 'Owner', 'Parent', 'OwnerUid', 'IsCurrent') {
            $back.$p | Should -Be $user.$p -Because "$p survives"
        }
        $back.Type.ToString() | Should -Be 'User'
        [NsPS.NamespaceType]$back.Type | Should -Be ([NsPS.NamespaceType]::User)
        @($back.ProcessIds) | Should -Be @($user.ProcessIds)
        @($back.UidMap | ForEach-Object { "$($_.InsideId) $($_.OutsideId) $($_.Count)" }) | Should -Be @($user.UidMap | ForEach-Object ToString)
        # A deserialized map still converts back to a map.
        [NsPS.IdMap]$back.UidMap | Should -Be $user.UidMap
    }

    It 'formats a deserialized namespace exactly as the live one, as a table and as a list' {
        $back = $Live | Copy-Deserialized
        @($back) | Should -HaveCount $Live.Count
        Out-Text $back | Should -Be (Out-Text $Live)
        Out-Text $back -List | Should -Be (Out-Text $Live -List)
    }

    It 'formats a deserialized tree exactly as the live one' {
        $tree = @(Get-Namespace -ProcessId $Sleeper.Id -Tree Owner)
        $back = $tree | Copy-Deserialized
        $back[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.NsPS.Namespace#Tree'
        Out-Text $back | Should -Be (Out-Text $tree)
        Out-Text $back | Should -Match '└─'
    }

    It 'formats deserialized id map entries and run results as the live ones' {
        $map = [NsPS.IdMap]'0 1000 1; 1 100000 65536'
        Out-Text (Copy-Deserialized -InputObject $map) | Should -Be (Out-Text @($map))
        $ctor = [NsPS.RunResult].GetConstructors([System.Reflection.BindingFlags]'NonPublic, Instance')[0]
        $result = $ctor.Invoke(@('ip link', 4242, $null, 15))
        $back = Copy-Deserialized -InputObject $result
        $back.PSObject.TypeNames[0] | Should -Be 'Deserialized.NsPS.RunResult'
        Out-Text $back | Should -Be (Out-Text $result)
    }
}

Describe 'A job in another process' {
    BeforeAll {
        # Start-Job runs a child pwsh: the objects come back serialized, as from a remote session.
        $job = Start-Job -ScriptBlock {
            param($Manifest, $Target)
            Import-Module $Manifest -ErrorAction Stop
            Get-Namespace -ProcessId $Target -Type Net, Uts, User
            Get-Namespace -ProcessId $Target -Type Net -Tree Owner
        } -ArgumentList $ModuleManifest, $Sleeper.Id
        $script:Received = @($job | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop)
    }

    It 'returns Deserialized.NsPS.Namespace objects with their values' {
        $flat = @($Received | Where-Object { $_.PSObject.TypeNames[0] -eq 'Deserialized.NsPS.Namespace' })
        $flat | Should -HaveCount 3
        $flat.Id | Should -Be ($Live | Where-Object { $_.Type -in 'Net', 'User', 'Uts' } | ForEach-Object Id)
        ($flat | Where-Object { $_.Type.ToString() -eq 'Net' }).ProcessIds | Should -Contain $Sleeper.Id
    }

    It 'formats what came back with the table view of NsPS' {
        $flat = $Received | Where-Object { $_.PSObject.TypeNames[0] -eq 'Deserialized.NsPS.Namespace' }
        $text = (Out-Text $flat) -split "`r?`n"
        $text | Should -Contain 'Type           Id Processes     Pid User       Name         Command'
        $net = $Live | Where-Object Type -eq Net
        $text | Where-Object { $_ -match "^Net\s+$($net.Id)\s+1\s+$($Sleeper.Id)\s+root\s+sleep 600$" } | Should -HaveCount 1
        # Receive-Job adds PSComputerName and RunspaceId; the view keeps to its columns.
        $text | Where-Object { $_ -match 'RunspaceId|PSComputerName' } | Should -BeNullOrEmpty
    }

    It 'formats a tree that came back with the tree view' {
        $tree = $Received | Where-Object { $_.PSObject.TypeNames[0] -eq 'Deserialized.NsPS.Namespace#Tree' }
        $text = (Out-Text $tree) -split "`r?`n"
        $text | Where-Object { $_ -match '^Tree\s+Type\s+Processes\s+Pid\s+User\s+Name\s+Command$' } | Should -HaveCount 1
        $net = $Live | Where-Object Type -eq Net
        $text | Where-Object { $_ -match "^\s*└─$($net.Id)\s+Net\s" } | Should -HaveCount 1
    }

    It 'formats a namespace that came back as the list view' {
        $user = $Received | Where-Object { $_.PSObject.TypeNames[0] -eq 'Deserialized.NsPS.Namespace' -and $_.Type.ToString() -eq 'User' }
        $text = (Out-Text $user -List) -split "`r?`n"
        $kernel = (Get-Content "/proc/$($Sleeper.Id)/uid_map" -Raw).Trim() -split '\s+' -join ' '
        $text | Should -Contain "UidMap       : $kernel"
        $text | Where-Object { $_ -match '^NetNsId' } | Should -BeNullOrEmpty
    }
}
