#Requires -Version 7.4
<#
    A two-node network lab, built and checked with NsPS: two named net namespaces joined by a veth
    pair, as `ip netns add` and `ip link add ... netns` would build them, and Pester assertions on
    what is where. Needs root (named net namespaces are bind mounts under /run/netns) and iproute2.

        Invoke-Pester -Path ./NetworkLab.Tests.ps1 -Output Detailed

    Everything the lab makes is removed in AfterAll, also when a test fails.
#>

BeforeDiscovery {
    $isRoot = (id -u) -eq '0'
}

BeforeAll {
    Import-Module NsPS

    $suffix = [guid]::NewGuid().ToString('n').Substring(0, 6)
    $script:NameA = "lab-a-$suffix"
    $script:NameB = "lab-b-$suffix"
    $script:Lab = @{}
    if ((id -u) -ne '0') { return }

    # Two nodes: each a named net namespace (it shows in `ip netns list`), held by an NsPS holder.
    $Lab.A = New-Namespace -Type Net -Name $NameA
    $Lab.B = New-Namespace -Type Net -Name $NameB

    # The wire: one veth pair, an end in each node, made by iproute2 directly into the namespaces.
    ip link add veth0 netns $NameA type veth peer name veth0 netns $NameB
    ip -n $NameA addr add 10.203.0.1/24 dev veth0
    ip -n $NameB addr add 10.203.0.2/24 dev veth0
    foreach ($node in $NameA, $NameB) {
        ip -n $node link set lo up
        ip -n $node link set veth0 up
    }

    # Tries a TCP connection from a node; "Connection refused" means the peer's kernel answered (a reset):
    # the address was reached, although nothing listens there. Needs nothing but bash inside.
    function Test-Reach([string] $Node, [string] $Address) {
        $probe = "exec 3<>/dev/tcp/$Address/9"
        (ip netns exec $Node timeout 30 bash -c $probe 2>&1) -join "`n"
    }
}

AfterAll {
    foreach ($node in $NameA, $NameB) {
        if ($node -and (Get-Namespace -Name $node -ErrorAction Ignore)) { Remove-Namespace -Name $node }
    }
}

Describe 'Network lab' -Skip:(-not $isRoot) -Tag 'SkipBecause: needs root to name net namespaces' {
    It 'gives each node its own network stack' {
        $Lab.A.HolderPid | Should -Not -ShareNamespace Net -With $Lab.B.HolderPid
        $Lab.A.HolderPid | Should -Not -ShareNamespace Net -With $PID
    }

    It 'keeps each node in its named namespace' {
        $Lab.A.HolderPid | Should -BeInNamespace $NameA
        $Lab.B.HolderPid | Should -BeInNamespace "/run/netns/$NameB"
        $Lab.A.HolderPid | Should -Not -BeInNamespace $NameB
    }

    It 'shows both nodes to ip netns' {
        $listed = ip -j netns list | ConvertFrom-Json
        $listed.name | Should -Contain $NameA
        $listed.name | Should -Contain $NameB
    }

    It 'puts one end of the wire in each node, and none on the host' {
        (ip -n $NameA -j addr show veth0 | ConvertFrom-Json).addr_info.local | Should -Contain '10.203.0.1'
        (ip -n $NameB -j addr show veth0 | ConvertFrom-Json).addr_info.local | Should -Contain '10.203.0.2'
        (Get-Namespace -Name $NameA).ProcessCount | Should -Be 1 -Because 'only the holder is in a node'
        ip -j addr show | ConvertFrom-Json | ForEach-Object { $_.addr_info.local } | Should -Not -Contain '10.203.0.1'
    }

    It 'connects node A to node B over the wire' {
        Test-Reach $NameA '10.203.0.2' | Should -Match 'Connection refused'
    }

    It 'does not route node A anywhere else' {
        Test-Reach $NameA '10.204.0.1' | Should -Match 'Network is unreachable'
    }
}
