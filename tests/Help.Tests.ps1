# Checks the help of the built module (out/NsPS) as Get-Help shows it: the
# MAML file made by src/build/Build-Help.ps1 from src/help/*.md and the about topic.

BeforeDiscovery {
    . $PSScriptRoot/common.ps1

    $cmdletCases = @(Get-Command -Module NsPS -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . $PSScriptRoot/common.ps1

    # The text of a MAML description (a list of paragraphs).
    function Get-HelpText {
        param($Description)
        return (@($Description | Where-Object { $null -ne $_ } | ForEach-Object { $_.Text }) -join "`n").Trim()
    }
}

Describe 'NsPS help' {
    It 'the module exports cmdlets to check' {
        @(Get-Command -Module NsPS -CommandType Cmdlet).Count | Should -BeGreaterThan 0
    }

    It 'Get-Help about_NsPS returns the about topic' {
        $about = Get-Help about_NsPS -ErrorAction Stop
        $about.Name | Should -Be 'about_NsPS'
        $about.Category | Should -Be 'HelpFile'
        # Get-Help takes the synopsis from the line under SHORT DESCRIPTION.
        $about.Synopsis | Should -Not -BeNullOrEmpty
        $text = $about | Out-String
        $text | Should -Match 'LONG DESCRIPTION'
        $text | Should -Match 'Get-Namespace'
    }
}

Describe 'Help for <Name>' -ForEach $cmdletCases {
    BeforeDiscovery {
        # Every parameter but the common ones (-WhatIf and -Confirm included).
        $commonNames = [System.Management.Automation.Cmdlet]::CommonParameters
        $parameterCases = @((Get-Command $Name).Parameters.Values |
                Where-Object { $_.Name -notin $commonNames } |
                ForEach-Object { @{ Name = $Name; Parameter = $_.Name } })
    }

    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full -ErrorAction Stop
    }

    It 'comes from the MAML help file' {
        # Without a help file Get-Help makes help up from the code
        # (ExtendedCmdletHelpInfo), with the syntax as the synopsis.
        $help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo'
        $help.ModuleName | Should -Be 'NsPS'
    }

    It 'has a synopsis that is not the generated syntax' {
        $synopsis = ($help.Synopsis -replace '\s+', ' ').Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Be ((Get-Command $Name -Syntax) -replace '\s+', ' ').Trim()
        $synopsis | Should -Not -Match '<CommonParameters>'
        $synopsis | Should -Not -Match "^$([regex]::Escape($Name))(\s+[\[-]|$)"
    }

    It 'has a description' {
        Get-HelpText $help.description | Should -Not -BeNullOrEmpty
    }

    It 'has syntax for each parameter set' {
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
    }

    It 'describes parameter -<Parameter>' -ForEach $parameterCases {
        $parameterHelp = Get-Help $Name -Parameter $Parameter -ErrorAction Stop
        $parameterHelp.name | Should -Be $Parameter
        Get-HelpText $parameterHelp.description | Should -Not -BeNullOrEmpty
        $type = $command.Parameters[$Parameter].ParameterType
        if ($type -ne [switch]) {
            $parameterHelp.type.name | Should -Not -BeNullOrEmpty
        }
    }

    It 'documents no parameter the cmdlet does not have' {
        $documented = @($help.parameters.parameter | ForEach-Object { $_.name })
        $documented | Where-Object { -not $command.Parameters.ContainsKey($_) } | Should -BeNullOrEmpty
    }

    It 'has at least two examples, each with a title, code and remarks' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.title | Should -Not -BeNullOrEmpty
            ([string]$example.code).Trim() | Should -Not -BeNullOrEmpty
            Get-HelpText $example.remarks | Should -Not -BeNullOrEmpty
        }
    }

    It 'lists its output types' {
        $listed = @($help.returnValues.returnValue | ForEach-Object { ([string]$_.type.name).Trim() } | Where-Object { $_ })
        $listed.Count | Should -BeGreaterThan 0
        foreach ($outputType in @($command.OutputType | Where-Object Type)) {
            $names = @($outputType.Type.FullName, $outputType.Type.Name)
            @($listed | Where-Object { $_ -in $names }).Count |
                Should -BeGreaterThan 0 -Because "[OutputType] of $Name names $($outputType.Type.FullName)"
        }
    }

    It 'lists its input types' {
        @($help.inputTypes.inputType | ForEach-Object { ([string]$_.type.name).Trim() } | Where-Object { $_ }).Count |
            Should -BeGreaterThan 0
    }

    It 'renders with Get-Help -Full and -Examples' {
        $full = Get-Help $Name -Full -ErrorAction Stop | Out-String -Width 120
        $full | Should -Match 'DESCRIPTION'
        $full | Should -Match 'PARAMETERS'
        $examples = Get-Help $Name -Examples -ErrorAction Stop | Out-String -Width 120
        foreach ($example in @($help.examples.example)) {
            $firstLine = ([string]$example.code).Trim().Split("`n")[0].Trim()
            $examples | Should -Match ([regex]::Escape($firstLine))
        }
    }
}
