#Requires -Version 7.6
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
    # CI installs openssh-server (.ci/run); elsewhere the tests say what is missing.
    $script:Sshd = @('/usr/sbin/sshd', '/usr/bin/sshd') | Where-Object { Test-Path $_ } | Select-Object -First 1
    $script:NoSshd = -not $Sshd -and $env:CI -ne 'true'
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    $script:Prefix = 'nsps-ssh-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
}

# Remoting over SSH is how NsPS reaches many machines: a sshd of the test's own (its own port, host key,
# authorized key and powershell subsystem, all in a temporary folder) serves this machine as a remote host.
Describe 'NsPS over PowerShell remoting (SSH)' -Skip:(-not $IsRoot -or $NoSshd) -Tag 'SkipBecause: needs root and sshd (openssh-server)' {
    BeforeAll {
        $sshd = @('/usr/sbin/sshd', '/usr/bin/sshd') | Where-Object { Test-Path $_ } | Select-Object -First 1
        if (-not $sshd) { throw 'sshd is missing: install openssh-server.' }
        $script:Dir = Join-Path ([IO.Path]::GetTempPath()) $Prefix
        New-Item -ItemType Directory $Dir | Out-Null
        chmod 700 $Dir
        ssh-keygen -q -t ed25519 -N '' -f "$Dir/host_key" | Out-Null
        ssh-keygen -q -t ed25519 -N '' -f "$Dir/client_key" | Out-Null
        Copy-Item "$Dir/client_key.pub" "$Dir/authorized_keys"

        # The subsystem is a command line: this same pwsh (dotnet and pwsh.dll when it is the local tool).
        $pwsh = (@(Get-PwshCommand) | ForEach-Object { "'$_'" }) -join ' '
        Set-Content "$Dir/pwsh-sshs" "#!/bin/sh`nexec $pwsh -sshs -NoLogo -NoProfile"
        chmod 755 "$Dir/pwsh-sshs"

        # A free loopback port: the kernel picks it.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $script:Port = $listener.LocalEndpoint.Port
        $listener.Stop()

        Set-Content "$Dir/sshd_config" @"
Port $Port
ListenAddress 127.0.0.1
HostKey $Dir/host_key
PidFile $Dir/sshd.pid
AuthorizedKeysFile $Dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem powershell $Dir/pwsh-sshs
"@
        # sshd needs its privilege separation folder; made here if the package's service never ran.
        $script:MadeRunSshd = -not (Test-Path /run/sshd)
        if ($MadeRunSshd) { New-Item -ItemType Directory /run/sshd | Out-Null; chmod 755 /run/sshd }
        & $sshd -t -f "$Dir/sshd_config"
        if ($LASTEXITCODE) { throw "sshd refuses the test's configuration ($LASTEXITCODE)." }
        $script:SshdProcess = Start-Background $sshd @('-D', '-f', "$Dir/sshd_config", '-E', "$Dir/sshd.log")
        Wait-Until {
            $c = [Net.Sockets.TcpClient]::new()
            try { $c.Connect('127.0.0.1', $Port); $true } catch { $false } finally { $c.Dispose() }
        } | Out-Null

        # The host key is known beforehand: strict checking stays on.
        Set-Content "$Dir/known_hosts" "[localhost]:$Port $(Get-Content "$Dir/host_key.pub")`n[127.0.0.1]:$Port $(Get-Content "$Dir/host_key.pub")"
        $script:Remote = @{
            Port        = $Port
            UserName    = 'root'
            KeyFilePath = "$Dir/client_key"
            Options     = @{ UserKnownHostsFile = "$Dir/known_hosts"; StrictHostKeyChecking = 'yes'; BatchMode = 'yes' }
        }
        $script:SetName = "$Prefix-set"
        $script:Set = New-Namespace -Type Net, Uts -Name $SetName
    }
    AfterAll {
        if ($Set) { Remove-Namespace -Name $SetName -ErrorAction Ignore }
        if ($SshdProcess) { Stop-Tree $SshdProcess }
        if ($MadeRunSshd) { Remove-Item /run/sshd -Recurse -Force -ErrorAction Ignore }
        if ($Dir) { Remove-Item $Dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'Invoke-Command -HostName returns Get-Namespace''s objects, deserialized, formatted with the module''s views' {
        $r = Invoke-Command -HostName localhost @Remote -ScriptBlock {
            param($module) Import-Module $module; Get-Namespace
        } -ArgumentList $ModuleManifest
        $r.Count | Should -BeGreaterThan 8
        $r[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.NsPS.Namespace'
        $r[0].PSComputerName | Should -Be 'localhost'
        # The named set made here is there, with the same identity.
        $net = $Set | Where-Object Type -eq Net
        $remoteNet = $r | Where-Object { $_.Name -eq $SetName -and $_.Type.ToString() -eq 'Net' }
        $remoteNet.Id | Should -Be $net.Id
        # The module's table view, not the default list of every property.
        $local = ($net | Format-Table | Out-String -Width 200) -split "`n" | Where-Object { $_ -match '\S' } | Select-Object -First 1
        $remote = ($remoteNet | Format-Table | Out-String -Width 200) -split "`n" | Where-Object { $_ -match '\S' } | Select-Object -First 1
        # Remote objects add the host's column after the view's own.
        $remote | Should -BeLike "$($local.TrimEnd())*PSComputerName"
        $row = ($remoteNet | Format-Table | Out-String -Width 200) -split "`n" | Where-Object { $_ -match "\b$($net.Id)\b" }
        $row | Should -Match "^Net\s+$($net.Id)\s"
    }

    It 'the example inventories several hosts in parallel' {
        $example = Join-Path $RepoRoot 'examples/Inventory-Namespaces.ps1'
        $r = & $example -HostName localhost, 127.0.0.1 @Remote -ModulePath $ModuleManifest -ThrottleLimit 2
        ($r.ComputerName | Sort-Object) | Should -Be @('127.0.0.1', 'localhost')
        foreach ($h in $r) {
            $h.Net | Should -BeGreaterThan 0
            $h.Names | Should -Contain $SetName
            $h.Total | Should -BeGreaterThan 8
        }
    }

    It 'a host that cannot be reached is reported, the others still answer' {
        $r = & (Join-Path $RepoRoot 'examples/Inventory-Namespaces.ps1') -HostName localhost, nsps-no-such-host.invalid @Remote -ModulePath $ModuleManifest -ErrorVariable err -ErrorAction SilentlyContinue
        $r.ComputerName | Should -Be 'localhost'
        @($err).Count | Should -BeGreaterThan 0
        ($err | ForEach-Object { "$_" }) -join "`n" | Should -Match 'nsps-no-such-host'
    }
}
