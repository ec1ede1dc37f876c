#Requires -Version 7.4
# Tab completion of the NsPS parameters, through TabExpansion2 as the console calls it.

BeforeDiscovery {
    . $PSScriptRoot/common.ps1
    $nameCases = @(Get-Command -Module NsPS -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('Name') -and $_.Name -ne 'Get-NamespaceFeature' } |
            ForEach-Object { @{ Command = $_.Name } })
    $pidCases = @(Get-Command -Module NsPS -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('ProcessId') } |
            ForEach-Object { @{ Command = $_.Name } })
    $typeCases = @(Get-Command -Module NsPS -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('Type') } |
            ForEach-Object { @{ Command = $_.Name } })
}

BeforeAll {
    . $PSScriptRoot/common.ps1

    function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches }

    # Names to complete, made with the real tool: an ip netns name, and one that needs quoting.
    $suffix = [guid]::NewGuid().ToString('n').Substring(0, 8)
    $script:NetnsName = "nsps-cmp-$suffix"
    $script:OddName = "nsps-cmp-$suffix(b)"
    ip netns add $NetnsName
    ip netns add $OddName
    $script:Sleeper = Start-Background sleep @('600')
}

AfterAll {
    foreach ($n in $NetnsName, $OddName) { if ($n) { ip netns delete $n 2>$null } }
    if (Get-Command Stop-Tree -ErrorAction Ignore) { Stop-Tree $Sleeper }
}

Describe 'Completion of -Name' {
    It 'completes the names of namespaces for <Command> -Name' -ForEach $nameCases {
        $found = Complete "$Command -Name nsps-cmp-$suffix"
        $found.CompletionText | Should -Contain $NetnsName
        $found | Where-Object CompletionText -eq $NetnsName | ForEach-Object ResultType | Should -Be 'ParameterValue'
    }

    It 'quotes a name that needs it' {
        $match = Complete "Get-Namespace -Name nsps-cmp-$suffix" | Where-Object ListItemText -eq $OddName
        $match.CompletionText | Should -Be "'$OddName'"
    }

    It 'offers nothing that does not match' {
        Complete "Get-Namespace -Name nsps-cmp-none-$suffix" | Should -BeNullOrEmpty
    }
}

Describe 'Completion of Get-NamespaceFeature -Name' {
    It 'completes the names of the kernel features, quoted' {
        $found = Complete 'Get-NamespaceFeature -Name Time'
        $found.CompletionText | Should -Be "'Time namespaces'"
        @(Complete 'Get-NamespaceFeature -Name ').ListItemText | Should -Be @(Get-NamespaceFeature).Name
    }
}

Describe 'Completion of -ProcessId' {
    It 'completes pids for <Command> -ProcessId, listed with their command' -ForEach $pidCases {
        $id = "$($Sleeper.Id)"
        $match = Complete "$Command -ProcessId $id" | Where-Object CompletionText -eq $id
        $match | Should -HaveCount 1
        $match.ListItemText | Should -Be "$id sleep"
        $match.ToolTip | Should -Be "$id sleep 600"
    }

    It 'completes only the pids that start with the digits typed' {
        $prefix = "$($Sleeper.Id)".Substring(0, 2)
        $texts = (Complete "Get-Namespace -ProcessId $prefix").CompletionText
        $texts | Should -Contain "$($Sleeper.Id)"
        $texts | Where-Object { -not $_.StartsWith($prefix) } | Should -BeNullOrEmpty
    }

    It 'completes the pids of a command by its name' {
        $found = Complete 'Get-Namespace -ProcessId slee'
        $found.CompletionText | Should -Contain "$($Sleeper.Id)"
        foreach ($m in $found) { $m.ListItemText | Should -BeLike "$($m.CompletionText) slee*" }
    }
}

Describe 'Completion of the kinds' {
    It 'completes -Type of <Command> with the kinds of namespace' -ForEach $typeCases {
        $texts = (Complete "$Command -Type ").CompletionText
        foreach ($kind in 'Mount', 'Uts', 'Ipc', 'Pid', 'Net', 'User', 'Cgroup', 'Time') { $texts | Should -Contain $kind }
        (Complete "$Command -Type Ne").CompletionText | Should -Be 'Net'
    }

    It 'completes the kinds after a comma' {
        (Complete 'Get-Namespace -Type Net,U').CompletionText | Should -Be 'User', 'Uts'
    }

    It 'completes -Tree with Owner and Parent' {
        (Complete 'Get-Namespace -Tree ').CompletionText | Should -Be 'Owner', 'Parent'
    }
}
