#Requires -Version 7.4
# The package as users get it: src/build/New-Package.ps1 (build.ps1 -Task Package) packs the built module
# into NsPS.<version>.nupkg; it is installed with Install-PSResource from a folder repository, for the
# current user and for all users, imported by name in a fresh pwsh whose PATH has no compiler, as root and
# as a plain user, and the seed's net and uts demos run through it. An installer that drops the launcher's
# execute bit, and a plain user importing that root-owned, read-only copy, are part of it.
# Tools: setpriv, env, ip, hostname, id; Install-PSResource (Microsoft.PowerShell.PSResourceGet, in pwsh).
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
}

BeforeAll {
    . $PSScriptRoot/common.ps1

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('nsps-package-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    New-Item -ItemType Directory $Work | Out-Null
    chmod 755 $Work
    $script:Version = (Import-PowerShellDataFile $ModuleManifest).ModuleVersion
    $script:Built = Split-Path $ModuleManifest
    $script:AllUsersCopy = '/usr/local/share/powershell/Modules/NsPS'

    # The PATH of every child here: the commands the demos run, and no compiler.
    $script:Bin = Join-Path $Work 'bin'
    New-Item -ItemType Directory $Bin | Out-Null
    foreach ($tool in 'hostname', 'ip', 'id') {
        New-Item -ItemType SymbolicLink -Path (Join-Path $Bin $tool) -Target (Get-Command $tool -CommandType Application | Select-Object -First 1).Source | Out-Null
    }
    chmod -R a+rX $Bin

    # A home of its own for a child (-Uid: owned by that user): .NET names the XDG folders only once they exist.
    function New-Home([string] $Name, [int] $Uid = 0) {
        $dir = Join-Path $Work "home-$Name"
        New-Item -ItemType Directory "$dir/.local/share", "$dir/.config" | Out-Null
        chown -R "${Uid}:${Uid}" $dir
        $dir
    }

    # Runs a script in a fresh pwsh with only HOME and PATH=$Bin in its environment: as root, or with
    # -Sandbox (New-UserSandbox) as the plain user 65534 with the sandbox's copy of pwsh. Returns the
    # object that the script's last output line holds as JSON.
    function Invoke-Fresh([string] $Script, [string] $HomeDir, [string] $Sandbox) {
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes("`$ErrorActionPreference = 'Stop'; $Script"))
        $pwsh = @(Get-PwshCommand)
        if ($Sandbox) { $pwsh = @($pwsh[0], (Join-Path $Sandbox 'pwsh/pwsh.dll')) }
        $run = @('env', '-i', "HOME=$HomeDir", "PATH=$Bin") + $pwsh + @('-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded)
        if ($Sandbox) { $run = @('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--') + $run }
        $r = Invoke-Tool $run[0] @($run | Select-Object -Skip 1) -TimeoutMs $PatienceMs
        if ($r.ExitCode) { throw "The fresh pwsh failed ($($r.ExitCode)): $($r.Output)$($r.Error)" }
        @($r.Output -split "`n" | Where-Object { $_.Trim() })[-1] | ConvertFrom-Json
    }
    Import-Module (Join-Path $RepoRoot 'src/build/Launcher.psm1') -Force   # Invoke-Tool

    # Registers a folder repository and installs NsPS from it, as users do.
    function Get-InstallScript([string] $Repository, [string] $Scope) {
        "Register-PSResourceRepository -Name local -Uri '$Repository' -Trusted
         Install-PSResource NsPS -Repository local -Scope $Scope
         @{ Location = (Get-InstalledPSResource NsPS -Scope $Scope).InstalledLocation } | ConvertTo-Json -Compress"
    }

    # The seed's net and uts demos (tests/Demos.Tests.ps1) through the module imported by name, and what
    # the import chose: the module's folder, the launcher it runs, and the compilers on PATH.
    $script:Demos = {
        Import-Module NsPS
        $tag = 'nsps-pkg-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $launcher = [NsPS.Namespace].Assembly.GetType('NsPS.Native.LauncherFile').GetProperty('Path', [Reflection.BindingFlags]'Public, Static').GetValue($null)
        $r = [ordered]@{
            Uid        = [int](id -u)
            ModuleBase = (Get-Module NsPS).ModuleBase
            Launcher   = $launcher
            Compilers  = @(Get-Command cc, gcc, clang, musl-gcc, x86_64-linux-gnu-gcc, aarch64-linux-gnu-gcc -CommandType Application -ErrorAction Ignore | ForEach-Object Source)
            Tag        = $tag
        }
        # Net: only lo.
        $s = New-Namespace -Type Net
        try { $r.Links = @((@($s | Enter-Namespace -FilePath ip -ArgumentList '-j', 'address' | Where-Object { $_ -is [string] }) -join '') | ConvertFrom-Json | ForEach-Object ifname) }
        finally { $s | Remove-Namespace }
        # UTS: hostname -b inside; the host keeps its name.
        $s = New-Namespace -Type Uts -Name "$tag-uts"
        try {
            $r.HostnameSet = @($s | Enter-Namespace -FilePath hostname -ArgumentList '-b', $tag -PassThru | Where-Object { $_ -is [NsPS.RunResult] })[0].ExitCode
            $r.HostnameInside = @($s | Enter-Namespace -FilePath hostname | Where-Object { $_ -is [string] })
            $r.HostnameByName = @(Enter-Namespace -Name "$tag-uts" -FilePath hostname | Where-Object { $_ -is [string] })
            $r.HostnameOutside = hostname
        }
        finally { Remove-Namespace -Name "$tag-uts" }
        [pscustomobject]$r | ConvertTo-Json -Compress -Depth 3
    }

    # What the demos must show, whoever ran them.
    function Assert-Demos($R) {
        $R.Compilers | Should -BeNullOrEmpty -Because 'the PATH of the fresh pwsh has no compiler'
        $R.Links | Should -Be @('lo')
        $R.HostnameSet | Should -Be 0
        $R.HostnameInside | Should -Be $R.Tag
        $R.HostnameByName | Should -Be $R.Tag
        $R.HostnameOutside | Should -Not -Be $R.Tag
        (hostname) | Should -Not -Be $R.Tag
    }

    function Get-Sha256([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash.ToLowerInvariant() }

    # The package, made from the built module as build.ps1 -Task Package makes it (its own install check
    # included), in a home of its own.
    $script:Repo = Join-Path $Work 'repo'
    New-Item -ItemType Directory $Repo | Out-Null
    $packHome = New-Home 'pack'
    $pwsh = @(Get-PwshCommand)
    $r = Invoke-Tool 'env' (@('-i', "HOME=$packHome", "PATH=$env:PATH") + $pwsh + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'src/build/New-Package.ps1'), '-ModulePath', $Built, '-OutputPath', $Repo)) -TimeoutMs $PatienceMs
    if ($r.ExitCode) { throw "New-Package.ps1 failed: $($r.Output)$($r.Error)" }
    $script:Nupkg = Join-Path $Repo "NsPS.$Version.nupkg"
    chmod -R a+rX $Repo
}

AfterAll {
    if ($Work -and (Test-Path $Work)) { Remove-Item $Work -Recurse -Force }
    if ($script:Sandbox -and (Test-Path $Sandbox)) { Remove-Item $Sandbox -Recurse -Force }
    # The plain user's folder of names, which its named uts demo made; nothing is left in it.
    if (-not (Get-ChildItem /tmp/nsps-65534 -Force -ErrorAction Ignore)) { Remove-Item /tmp/nsps-65534 -Force -ErrorAction Ignore }
}

Describe 'The NsPS package' {
    It 'is one NsPS.<version>.nupkg with the whole built module, both architectures'' pieces and executable launchers' {
        @(Get-ChildItem $Repo -Filter *.nupkg).Name | Should -Be @("NsPS.$Version.nupkg")
        (Get-Item $Nupkg).Length | Should -BeLessThan 1MB
        $zip = [IO.Compression.ZipFile]::OpenRead($Nupkg)
        try {
            $entries = @{}
            foreach ($e in $zip.Entries) { $entries[$e.FullName] = $e }
            $built = @(Get-ChildItem $Built -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($Built, $_.FullName) })
            foreach ($file in $built) { $entries.Keys | Should -Contain $file }
            foreach ($rid in 'linux-x64', 'linux-arm64') {
                $built | Should -Contain "runtimes/$rid/Tmds.LibC.dll"
                $launcher = $entries["runtimes/$rid/nsps-launcher"]
                $launcher | Should -Not -BeNullOrEmpty
                [Convert]::ToString(($launcher.ExternalAttributes -shr 16) -band 0xFFF, 8) | Should -Be '755'
            }
            $entries.Keys | Should -Not -Contain 'Tmds.LibC.dll' -Because 'each architecture has its own, under runtimes/<rid>'
            $reader = [IO.StreamReader]::new($entries['NsPS.nuspec'].Open())
            $nuspec = ([xml]$reader.ReadToEnd()).package.metadata
            $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $nuspec.version | Should -Be $Version
        $nuspec.releaseNotes | Should -Match "^$([regex]::Escape($Version)): "
        $nuspec.licenseUrl | Should -Match '^https://'
        $nuspec.tags -split ' ' | Should -Contain 'Linux'
        Get-Content -Raw (Join-Path $RepoRoot 'CHANGELOG.md') | Should -Match "(?m)^## $([regex]::Escape($Version))\s*$"
    }

    Context 'installed for the current user (root), imported by name in a fresh pwsh with no compiler on PATH' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        BeforeAll {
            $script:RootHome = New-Home 'root'
            $script:Installed = Invoke-Fresh (Get-InstallScript $Repo 'CurrentUser') $RootHome
            $script:Result = Invoke-Fresh "& { $Demos }" $RootHome
        }

        It 'is installed in that user''s module folder and imported from there, with its launcher as shipped' {
            $Installed.Location | Should -Be "$RootHome/.local/share/powershell/Modules"
            $Result.ModuleBase | Should -Be "$RootHome/.local/share/powershell/Modules/NsPS/$Version"
            $Result.Launcher | Should -Be "$($Result.ModuleBase)/runtimes/$RuntimeId/nsps-launcher"
            Get-Sha256 $Result.Launcher | Should -Be (Get-Sha256 $LauncherPath)
        }

        It 'runs the net and uts demos' { Assert-Demos $Result }
    }

    Context 'installed for the current user by a plain user, imported by name in a fresh pwsh with no compiler on PATH' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root (to become the plain user)' {
        BeforeAll {
            $script:Sandbox = New-UserSandbox   # a copy of pwsh that the plain user can read
            $script:PlainHome = New-Home 'plain' 65534
            $script:Installed = Invoke-Fresh (Get-InstallScript $Repo 'CurrentUser') $PlainHome -Sandbox $Sandbox
            $script:Result = Invoke-Fresh "& { $Demos }" $PlainHome -Sandbox $Sandbox
        }

        It 'is installed in that user''s module folder, the user''s own, and imported from there with its launcher as shipped' {
            $Installed.Location | Should -Be "$PlainHome/.local/share/powershell/Modules"
            $Result.Uid | Should -Be 65534
            $Result.ModuleBase | Should -Be "$PlainHome/.local/share/powershell/Modules/NsPS/$Version"
            $Result.Launcher | Should -Be "$($Result.ModuleBase)/runtimes/$RuntimeId/nsps-launcher"
            (stat -c '%u %a' $Result.Launcher) | Should -Be '65534 755'
        }

        It 'runs the net and uts demos as the plain user' { Assert-Demos $Result }
    }

    Context 'installed for all users with the launcher''s execute bit dropped, imported by a plain user' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        BeforeAll {
            if (Test-Path $AllUsersCopy) { throw "$AllUsersCopy exists already: this test installs NsPS for all users and removes it after." }
            # An installer that drops the execute bit: the same package with no Unix modes in its entries.
            $script:NoModes = Join-Path $Work 'repo-nomodes'
            New-Item -ItemType Directory $NoModes | Out-Null
            Copy-Item $Nupkg $NoModes
            $zip = [IO.Compression.ZipFile]::Open((Join-Path $NoModes (Split-Path $Nupkg -Leaf)), [IO.Compression.ZipArchiveMode]::Update)
            try { foreach ($e in $zip.Entries) { $e.ExternalAttributes = 0 } }
            finally { $zip.Dispose() }
            $script:Installed = Invoke-Fresh (Get-InstallScript $NoModes 'AllUsers') (New-Home 'root-allusers')
            $script:Base = "$AllUsersCopy/$Version"
            $script:Shipped = "$Base/runtimes/$RuntimeId/nsps-launcher"
            $script:ShippedMode = [IO.File]::GetUnixFileMode($Shipped)
            chmod -R a-w $AllUsersCopy   # read-only, and root's

            if (-not $script:Sandbox) { $script:Sandbox = New-UserSandbox }
            $script:UserHome = Join-Path $Sandbox 'home'
            $script:Result = Invoke-Fresh "& { $Demos }" $UserHome -Sandbox $Sandbox
            $script:Hash = Get-Sha256 $LauncherPath
        }
        AfterAll {
            if (Test-Path $AllUsersCopy) { chmod -R u+w $AllUsersCopy; Remove-Item $AllUsersCopy -Recurse -Force }
        }

        It 'is installed for all users with the launcher not executable, root''s and read-only' {
            $Installed.Location | Should -Be '/usr/local/share/powershell/Modules'
            ($ShippedMode -band [IO.UnixFileMode]'UserExecute, GroupExecute, OtherExecute') | Should -Be 0
            (stat -c '%u %A' $Shipped) | Should -Be '0 -r--r--r--'
        }

        It 'a plain user imports it by name, and the shipped launcher stays as root left it' {
            $Result.Uid | Should -Be 65534
            $Result.ModuleBase | Should -Be $Base
            (stat -c '%u %A' $Shipped) | Should -Be '0 -r--r--r--'
        }

        It 'the launcher that runs is a private copy of the user''s own, closed to others, with the shipped contents' {
            $Result.Launcher | Should -Be "$UserHome/.cache/nsps/$Hash/nsps-launcher"
            (stat -c '%u %a' $Result.Launcher) | Should -Be '65534 500'
            (stat -c '%u %a' "$UserHome/.cache/nsps/$Hash") | Should -Be '65534 700'
            (stat -c '%u %a' "$UserHome/.cache/nsps") | Should -Be '65534 700'
            Get-Sha256 $Result.Launcher | Should -Be $Hash
        }

        It 'runs the net and uts demos as the plain user' { Assert-Demos $Result }

        It 'a swapped private copy is not run: the next import puts the launcher back' {
            $copy = $Result.Launcher
            $marker = Join-Path $Work 'swapped'
            New-Item -ItemType Directory $marker | Out-Null
            chmod 777 $marker
            [IO.File]::WriteAllText($copy, "#!/bin/sh`ntouch $marker/ran`n")   # root writes; owner and mode stay
            (stat -c '%u %a' $copy) | Should -Be '65534 500'
            $again = Invoke-Fresh "& { $Demos }" $UserHome -Sandbox $Sandbox
            Assert-Demos $again
            $again.Launcher | Should -Be $copy
            Test-Path "$marker/ran" | Should -BeFalse
            Get-Sha256 $copy | Should -Be $Hash
        }

        It 'root''s import restores the execute bit of the shipped launcher, and runs it' {
            $r = Invoke-Fresh "& { $Demos }" (New-Home 'root-restore')
            $r.Launcher | Should -Be $Shipped
            (stat -c '%u %A' $Shipped) | Should -Be '0 -r-xr-xr-x'
            Assert-Demos $r
        }
    }
}
