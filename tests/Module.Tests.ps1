#Requires -Version 7.4
# The module as a whole: its manifest, what it exports, its pipeline contracts, importing and
# removing it, and the one message it gives on a system without namespaces.

BeforeDiscovery {
    . $PSScriptRoot/common.ps1
    # Which cmdlets take -Name and -ProcessId (the tests check this table against the cmdlets themselves).
    $takes = @{
        'Enter-Namespace' = 'Name', 'ProcessId'; 'Get-Namespace' = 'Name', 'ProcessId'
        'New-Namespace' = , 'Name'; 'Remove-Namespace' = , 'Name'; 'Set-IdMap' = , 'ProcessId'
        'New-NamespaceSession' = 'Name', 'ProcessId'; 'Get-NamespaceFeature' = , 'Name'
    }
    $cmdletCases = @(Get-Command -Module NsPS -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name; Takes = $takes[$_.Name] } })
    $processIdCases = @($cmdletCases | Where-Object { 'ProcessId' -in $_.Takes })
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    $script:Manifest = Import-PowerShellDataFile $ModuleManifest
    $script:ModuleDir = Split-Path $ModuleManifest
}

Describe 'The manifest' {
    It 'passes Test-ModuleManifest' {
        $info = Test-ModuleManifest $ModuleManifest -ErrorAction Stop
        $info.Name | Should -Be 'NsPS'
    }

    It 'declares pwsh 7.6 or later, Core only' {
        $Manifest.PowerShellVersion | Should -Be '7.6'
        $Manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'describes the project, with tags and a license' {
        $Manifest.Description | Should -Match 'Linux namespaces'
        $Manifest.PrivateData.PSData.Tags | Should -Contain 'Linux'
        $Manifest.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        $Manifest.PrivateData.PSData.LicenseUri | Should -Match '^https://'
        $Manifest.Copyright | Should -Match 'MIT'
        Join-Path $RepoRoot 'LICENSE' | Should -FileContentMatch 'MIT License'
        Join-Path $ModuleDir 'LICENSE' | Should -Exist
    }

    It 'names only files that the built module has' {
        foreach ($file in @($Manifest.RootModule) + $Manifest.NestedModules + $Manifest.FormatsToProcess + $Manifest.TypesToProcess) {
            Join-Path $ModuleDir $file | Should -Exist
        }
    }

    It 'exports exactly the cmdlets it lists, and nothing else' {
        $Manifest.CmdletsToExport | Should -Be @('Get-Namespace', 'New-Namespace', 'Remove-Namespace', 'Set-IdMap', 'Enter-Namespace', 'New-NamespaceSession', 'Get-NamespaceFeature')
        $exported = @(Get-Command -Module NsPS | Sort-Object Name)
        $exported.Name | Should -Be @($Manifest.CmdletsToExport | Sort-Object)
        $exported.CommandType | Sort-Object -Unique | Should -Be 'Cmdlet'
        $module = Get-Module NsPS
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
    }

    It 'takes its assembly version from the manifest' {
        [NsPS.Namespace].Assembly.GetName().Version.ToString(3) | Should -Be $Manifest.ModuleVersion
    }
}

Describe '<Name>' -ForEach $cmdletCases {
    It 'uses an approved verb' {
        (Get-Command $Name).Verb | Should -BeIn (Get-Verb).Verb
    }

    It 'declares what it writes with [OutputType], unless it writes nothing' {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
        $documented = @($help.returnValues.returnValue | ForEach-Object { ([string]$_.type.name).Trim() })
        if ($documented.Count -eq 1 -and $documented[0] -eq 'None') { $command.OutputType | Should -BeNullOrEmpty }
        else { $command.OutputType | Should -Not -BeNullOrEmpty }
    }

    It 'supports -WhatIf exactly when it changes the system (New, Remove, Set)' {
        $command = Get-Command $Name
        $command.Parameters.ContainsKey('WhatIf') | Should -Be ($command.Verb -in 'New', 'Remove', 'Set')
    }

    It 'completes its -Name and -ProcessId parameters (<Takes>)' {
        $command = Get-Command $Name
        @($command.Parameters.Keys | Where-Object { $_ -in 'Name', 'ProcessId' } | Sort-Object) | Should -Be @($Takes | Sort-Object)
        foreach ($parameter in $Takes) {
            $completer = $command.Parameters[$parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }
            $completer | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name completes"
        }
    }
}

Describe '<Name> -ProcessId' -ForEach $processIdCases {
    It 'binds -ProcessId from the Id of Get-Process output' {
        $command = Get-Command $Name
        $parameter = $command.Parameters['ProcessId']
        $parameter.Aliases | Should -Contain 'Id'
        @($parameter.ParameterSets.Values.ValueFromPipelineByPropertyName | Select-Object -Unique) | Should -Be @($true)
    }
}

Describe 'The pipeline' {
    BeforeAll {
        $script:Unmapped = Start-Background unshare @('--user', 'sleep', '600')
        Wait-Until { (Get-Content "/proc/$($Unmapped.Id)/comm" -ErrorAction Ignore) -eq 'sleep' }
    }
    AfterAll { if (Get-Command Stop-Tree -ErrorAction Ignore) { Stop-Tree $Unmapped } }

    It 'gets the namespaces of processes piped from Get-Process' {
        $ns = Get-Process -Id $Unmapped.Id | Get-Namespace -Type User
        $ns.Id | Should -Be (Get-NsInode "/proc/$($Unmapped.Id)/ns/user")
    }

    It 'maps the user namespace of a process piped from Get-Process' {
        Get-Process -Id $Unmapped.Id | Set-IdMap -UidMap '0 0 1' -GidMap '0 0 1'
        (Get-Content "/proc/$($Unmapped.Id)/uid_map" -Raw).Trim() -split '\s+' | Should -Be '0', '0', '1'
    }
}

Describe 'Importing and removing' {
    It 'imports twice, removes, and imports again in one session' {
        $result = Invoke-Child -PassThruExitCode @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModuleManifest'
Import-Module '$ModuleManifest'
Import-Module '$ModuleManifest' -Force
'loaded:' + @(Get-Module NsPS).Count
'net:' + (Get-Namespace -ProcessId `$PID -Type Net).Id
Remove-Module NsPS
'removed:' + @(Get-Module NsPS).Count + ':' + [bool](Get-Command Get-Namespace -ErrorAction Ignore)
Import-Module '$ModuleManifest'
'again:' + (Get-Namespace -ProcessId `$PID -Type Net).Id
'errors:' + `$Error.Count
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $net = Get-NsInode /proc/self/ns/net
        $result.Output | Should -Be @('loaded:1', "net:$net", 'removed:0:False', "again:$net", 'errors:0')
    }

    It 'refuses, in one sentence, a system without namespace files, and stays unloaded' {
        # /proc/self/ns of the child pwsh is hidden by an empty folder, in a mount namespace of its own:
        # for NsPS the kernel then has no namespaces. The child execs pwsh so that its pid stays the same.
        $empty = Join-Path ([IO.Path]::GetTempPath()) ('nsps-empty-' + [guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory $empty | Out-Null
        try {
            $script = @"
try { Import-Module '$ModuleManifest' -ErrorAction Stop; 'imported' }
catch { 'type:' + `$_.Exception.GetType().FullName; 'message:' + `$_.Exception.Message }
'loaded:' + @(Get-Module NsPS).Count
"@
            $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
            $pwsh = (@(Get-PwshCommand) + @('-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded) | ForEach-Object { "'$_'" }) -join ' '
            $out = unshare --mount --propagation private sh -c "mount --bind '$empty' /proc/`$`$/ns && exec $pwsh" 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
            $out | Should -Be @(
                'type:System.PlatformNotSupportedException',
                'message:NsPS needs the namespace files of /proc/self/ns, which this system does not have: mount procfs on /proc, on a Linux kernel built with namespaces.',
                'loaded:0')
        }
        finally { Remove-Item $empty -Force }
    }
}

Describe 'The build scripts' {
    # Tasks that the test run itself does not start (Bench, Soak) must still parse.
    It '<Name> parses' -ForEach @(
        @{ Name = 'build.ps1' }
        Get-ChildItem (Join-Path (Split-Path $PSScriptRoot -Parent) 'src/build') -Filter *.ps1 | ForEach-Object { @{ Name = "src/build/$($_.Name)" } }
    ) {
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $RepoRoot $Name), [ref] $null, [ref] $errors)
        $errors | ForEach-Object { "$($_.Extent.StartLineNumber): $($_.Message)" } | Should -BeNullOrEmpty
    }
}
