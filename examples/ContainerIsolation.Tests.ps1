#Requires -Version 7.4
<#
    Isolation checks for a container, or any sandboxed service, with the NsPS Pester assertions.

    Run against a container of yours by its pid (as root, so that its /proc/PID/ns can be read):

        $c = New-PesterContainer -Path ./ContainerIsolation.Tests.ps1 -Data @{ ContainerPid = (podman inspect -f '{{.State.Pid}}' web) }
        Invoke-Pester -Container $c -Output Detailed

    Without -ContainerPid the suite starts a stand-in container of its own with unshare and removes it
    afterwards. -HostPid is the process that stands for the host (PID 1 where it can be read; this
    PowerShell by default).
#>
param(
    [int] $ContainerPid,
    [int] $HostPid = $PID
)

BeforeDiscovery {
    $isolated = 'Net', 'Pid', 'Mount', 'Uts', 'Ipc'
}

BeforeAll {
    # Pester is loaded here, so importing NsPS now registers its Should operators.
    Import-Module NsPS

    # The pid under test (a parameter cannot be set here: Pester gives every block the value passed in).
    $script:Target = $ContainerPid
    $script:StandIn = $null
    if (-not $ContainerPid) {
        # A stand-in container: new net, pid, mount, uts and ipc namespaces, a fresh /proc, its own host name.
        $start = [System.Diagnostics.ProcessStartInfo]::new('unshare')
        foreach ($argument in '--net', '--pid', '--mount', '--uts', '--ipc', '--fork', '--mount-proc',
            'sh', '-c', 'hostname stand-in && exec sleep 600') { $start.ArgumentList.Add($argument) }
        $script:StandIn = [System.Diagnostics.Process]::Start($start)
        # The container's first process is the child of unshare (PID 1 inside).
        $deadline = [DateTime]::UtcNow.AddSeconds(60)   # a bound for a busy machine; it is ready in milliseconds
        do {
            Start-Sleep -Milliseconds 20
            $child = (Get-Content "/proc/$($StandIn.Id)/task/$($StandIn.Id)/children" -ErrorAction Ignore) -split ' ' | Where-Object { $_ } | Select-Object -First 1
            $ready = $child -and (Get-Content "/proc/$child/comm" -ErrorAction Ignore) -eq 'sleep'
        } until ($ready -or [DateTime]::UtcNow -gt $deadline)
        if (-not $ready) { throw 'The stand-in container did not start.' }
        $script:Target = [int]$child
    }
}

AfterAll {
    if ($StandIn -and -not $StandIn.HasExited) { $StandIn.Kill($true); $StandIn.WaitForExit(60000) | Out-Null }
}

Describe 'Container isolation' {
    It 'has its own <_> namespace' -ForEach $isolated {
        $Target | Should -Not -ShareNamespace $_ -With $HostPid
    }

    It 'shares none of the host namespaces that isolate it' {
        # One assertion for all five: -Not passes only when every one of them differs.
        $Target | Should -Not -ShareNamespace Net, Pid, Mount, Uts, Ipc -With $HostPid
    }

    It 'has a pid namespace that is a child of the host pid namespace' {
        $inside = Get-Namespace -ProcessId $Target -Type Pid
        $hostPidNs = Get-Namespace -ProcessId $HostPid -Type Pid
        $inside.Parent | Should -Be $hostPidNs.Id
    }

    It 'has no network interface but loopback' {
        $links = nsenter --target $Target --net ip -j link show | ConvertFrom-Json
        $links.ifname | Should -Be 'lo'
    }

    It 'has no process of the host in its net namespace' {
        $net = Get-Namespace -ProcessId $Target -Type Net
        $net.ProcessIds | Should -Not -Contain $HostPid
        $net.ProcessIds | Should -Contain $Target
    }

    It 'has the host name it was given' {
        # Only the stand-in's host name is known; the skip says why, so the output shows what did not run.
        if ($ContainerPid) { Set-ItResult -Skipped -Because 'the host name of a container given by -ContainerPid is not known' }
        nsenter --target $Target --uts hostname | Should -Be 'stand-in'
    }
}
