#Requires -Version 7.4
# A real OCI container: runc runs a busybox root file system that the test builds, and NsPS lists it,
# enters it as a whole, enters only its net namespace for PowerShell, and asserts on it with Should.
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
}

BeforeAll {
    . $PSScriptRoot/common.ps1

    foreach ($tool in 'runc', 'busybox') {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) {
            throw "$tool is missing: install the Debian packages runc and busybox-static (.ci/run does)."
        }
    }
    $script:Bundle = Join-Path ([IO.Path]::GetTempPath()) ("nsps-runc-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $script:State = Join-Path $Bundle 'state'
    $script:Id = 'nsps-' + (Split-Path $Bundle -Leaf).Substring(10)
    $script:Marker = 'inside the busybox container ' + $Id
    $rootfs = Join-Path $Bundle 'rootfs'
    foreach ($dir in 'bin', 'etc', 'proc', 'sys', 'dev', 'tmp') { New-Item -ItemType Directory (Join-Path $rootfs $dir) -Force | Out-Null }
    Copy-Item (Get-Command busybox -CommandType Application)[0].Source (Join-Path $rootfs 'bin/busybox')
    foreach ($applet in 'sh', 'sleep', 'hostname', 'ps', 'cat', 'ls', 'id', 'ip') {
        New-Item -ItemType SymbolicLink -Path (Join-Path $rootfs "bin/$applet") -Target 'busybox' | Out-Null
    }
    Set-Content (Join-Path $rootfs 'etc/nsps-marker') $Marker

    Push-Location $Bundle
    try { runc spec } finally { Pop-Location }
    $config = Get-Content (Join-Path $Bundle 'config.json') -Raw | ConvertFrom-Json
    $config.process.terminal = $false
    $config.process.args = @('/bin/sleep', '1000000')
    $config.hostname = 'nsps-box'
    $config.root.readonly = $true
    $config | ConvertTo-Json -Depth 20 | Set-Content (Join-Path $Bundle 'config.json')

    # runc run -d keeps the caller's standard streams open: give it /dev/null.
    sh -c "runc --root '$State' run -d --bundle '$Bundle' '$Id' </dev/null >/dev/null 2>&1"
    if ($LASTEXITCODE) { throw "runc run failed ($LASTEXITCODE)." }
    $script:ContainerPid = [int]((runc --root $State state $Id | ConvertFrom-Json).pid)
    if ($ContainerPid -le 0) { throw 'runc state gave no pid.' }
}

AfterAll {
    if ($State -and (Test-Path $State)) {
        runc --root $State delete --force $Id 2>&1 | Out-Null
    }
    if ($Bundle) { Remove-Item $Bundle -Recurse -Force -ErrorAction Ignore }
    if ($Sandbox) { Remove-Item $Sandbox -Recurse -Force -ErrorAction Ignore }
}

Describe 'A runc container' -Skip:(-not $IsRoot) -Tag 'SkipBecause: runc runs the container as root' {
    It 'is listed by Get-Namespace with namespaces of its own, as lsns lists them' {
        $own = Get-Namespace -ProcessId $PID
        $box = Get-Namespace -ProcessId $ContainerPid
        $lsns = (lsns -J -p $ContainerPid | ConvertFrom-Json).namespaces
        foreach ($type in 'Mount', 'Uts', 'Ipc', 'Pid', 'Net') {
            $ns = @($box | Where-Object Type -eq $type)
            $ns.Count | Should -Be 1 -Because "the container has one $type namespace"
            $ns[0].Id | Should -Not -Be ($own | Where-Object Type -eq $type).Id -Because "its $type namespace is its own"
            $ns[0].ProcessIds | Should -Contain $ContainerPid
            $link = @{ Mount = 'mnt'; Uts = 'uts'; Ipc = 'ipc'; Pid = 'pid'; Net = 'net' }[$type]
            ($lsns | Where-Object type -eq $link).ns | Should -Be $ns[0].Id
        }
        # The same namespaces show in the whole system's list.
        $all = Get-Namespace -Type Net
        ($all | Where-Object Id -eq ($box | Where-Object Type -eq Net).Id).ProcessIds | Should -Contain $ContainerPid
    }

    It 'is entered as a whole: its own busybox and files, its host name, its PID 1' {
        Enter-Namespace -ProcessId $ContainerPid -FilePath hostname | Should -Be 'nsps-box'
        Enter-Namespace -ProcessId $ContainerPid -FilePath cat -ArgumentList /etc/nsps-marker | Should -Be $Marker
        $ps = @(Enter-Namespace -ProcessId $ContainerPid -FilePath ps)
        $ps[0] | Should -Match '^\s*PID\s+USER'
        $ps | Where-Object { $_ -match '^\s*1\s' } | Should -Match '/bin/sleep 1000000'
        # Nothing of the host: the container's sleep and this ps.
        @($ps | Select-Object -Skip 1).Count | Should -Be 2
        hostname | Should -Not -Be 'nsps-box'
    }

    It 'is entered for PowerShell with -Type Net: the host''s pwsh in the container''s network' {
        $r = Enter-Namespace -ProcessId $ContainerPid -Type Net {
            [pscustomobject]@{
                Interfaces = @([System.Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces().Name)
                Net        = (Get-Item /proc/self/ns/net).LinkTarget
                Hostname   = [System.Net.Dns]::GetHostName()
            }
        }
        $r.Interfaces | Should -Be @('lo')
        $r.Net | Should -Be "net:[$((Get-Namespace -ProcessId $ContainerPid -Type Net).Id)]"
        $r.Hostname | Should -Be (hostname)
    }

    It 'refuses a script block in its mount namespace, which has no pwsh, and says why' {
        $err = $null
        Enter-Namespace -ProcessId $ContainerPid { 1 } -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NsPS.ProgramNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].Exception.Errno | Should -Be 2
        $err[0].ErrorDetails.Message | Should -Match 'looked up in that mount namespace'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'without Mount \(-Type'
    }

    It 'does not share the host''s net namespace, by the module''s Should operator' {
        $ContainerPid | Should -Not -ShareNamespace -Type Net -With $PID
        $ContainerPid | Should -Not -BeInNamespace (Get-Namespace -ProcessId $PID -Type Net)
        $ContainerPid | Should -BeInNamespace (Get-Namespace -ProcessId $ContainerPid -Type Net)
    }

    It 'cannot be entered by a plain user: a clear error, and nothing runs' {
        $script:Sandbox = New-UserSandbox
        $r = Invoke-AsUser $Sandbox {
            $e = $null
            $out = Enter-Namespace -ProcessId $cpid -FilePath hostname -ErrorVariable e -ErrorAction SilentlyContinue
            [pscustomobject]@{ Output = @($out); Id = $e[0].FullyQualifiedErrorId; Category = "$($e[0].CategoryInfo.Category)" }
        } -Prelude "`$cpid = $ContainerPid"
        $r.Output | Should -BeNullOrEmpty
        $r.Id | Should -BeLike 'NsPS.*'
        $r.Category | Should -Be 'PermissionDenied'
    }
}
