<#
.SYNOPSIS
    Builds the NsPS help files (MAML and about topics) from the markdown in src/help/.

.DESCRIPTION
    Converts every src/help/<Verb>-<Noun>.md into one MAML file,
    <OutputPath>/en-US/NsPS.dll-Help.xml, and every src/help/about_*.md into
    <OutputPath>/en-US/about_*.help.txt. The markdown format is described in
    src/help/README.md.

    The built module (-ModulePath) is imported and the parameter facts (type,
    position, required, pipeline input, aliases, parameter sets, wildcard
    support) and the output types are taken from the cmdlets themselves; the
    markdown gives only each parameter's default. Every exported cmdlet must
    have a markdown file, every markdown file a cmdlet, and every parameter
    a section.

    Any problem in any file makes the script fail: all problems are listed,
    then the script throws (exit code 1 under pwsh -File).

.EXAMPLE
    pwsh -NoProfile -File src/build/Build-Help.ps1 -DocsPath src/help -OutputPath out/NsPS -ModulePath out/NsPS/NsPS.psd1
#>
[CmdletBinding()]
param(
    # Folder holding <Verb>-<Noun>.md and about_*.md.
    [Parameter(Mandatory)]
    [string] $DocsPath,

    # Folder that receives en-US/<the cmdlets' HelpFile> and en-US/about_*.help.txt.
    [Parameter(Mandatory)]
    [string] $OutputPath,

    # The built module manifest (for example out/NsPS/NsPS.psd1).
    [Parameter(Mandatory)]
    [string] $ModulePath,

    # Width of the about_*.help.txt text.
    [ValidateRange(60, 200)]
    [int] $AboutWidth = 80
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$script:Problems = [System.Collections.Generic.List[string]]::new()

function Add-Problem {
    param([string] $File, [int] $Line, [string] $Message)
    $where = if ($Line -gt 0) { "${File}:$Line" } else { $File }
    $script:Problems.Add("${where}: $Message")
}

#region Markdown reader

# Reads a markdown file into headings and blocks. Supported: ATX headings
# (#, ##, ###), paragraphs, lists (-, *, +, 1.), fenced code blocks (``` or ~~~)
# and pipe tables. Anything else is a paragraph.
function Read-MarkdownFile {
    param([string] $Path)

    $text = [System.IO.File]::ReadAllText($Path)
    if ($text.Length -gt 0 -and $text[0] -eq [char]0xFEFF) { $text = $text.Substring(1) }
    $lines = $text.Replace("`r`n", "`n").Replace("`r", "`n").Split("`n")

    $doc = [pscustomobject]@{
        File     = $Path
        Title    = $null
        Line     = 0
        Preamble = [System.Collections.Generic.List[object]]::new()
        Sections = [System.Collections.Generic.List[object]]::new()
    }
    $blocks = $doc.Preamble
    $section = $null
    $para = $null
    $list = $null
    $table = $null

    $i = 0
    while ($i -lt $lines.Count) {
        $raw = $lines[$i]
        $lineNo = $i + 1
        $line = $raw.TrimEnd()

        # Fenced code block.
        if ($line -match '^\s{0,3}(?<fence>`{3,}|~{3,})\s*(?<info>[^\s`]*)\s*$') {
            $para = $null; $list = $null; $table = $null
            $fence = $Matches.fence
            $info = $Matches.info.ToLowerInvariant()
            $closeRe = '^\s{0,3}' + [regex]::Escape([string]$fence[0]) + '{' + $fence.Length + ',}\s*$'
            $content = [System.Collections.Generic.List[string]]::new()
            $i++
            $closed = $false
            while ($i -lt $lines.Count) {
                $l = $lines[$i].TrimEnd()
                if ($l -match $closeRe) {
                    $closed = $true
                    break
                }
                $content.Add($l)
                $i++
            }
            if (-not $closed) { Add-Problem $Path $lineNo 'code block is not closed' }
            # Drop leading and trailing blank lines.
            while ($content.Count -gt 0 -and $content[0] -eq '') { $content.RemoveAt(0) }
            while ($content.Count -gt 0 -and $content[$content.Count - 1] -eq '') { $content.RemoveAt($content.Count - 1) }
            $blocks.Add([pscustomobject]@{ Kind = 'code'; Info = $info; Text = ($content -join "`n"); Line = $lineNo })
            $i++
            continue
        }

        # Heading.
        if ($line -match '^(?<level>#{1,6})\s+(?<text>.*?)(\s+#+)?\s*$') {
            $para = $null; $list = $null; $table = $null
            $level = $Matches.level.Length
            $htext = $Matches.text.Trim()
            switch ($level) {
                1 {
                    if ($null -ne $doc.Title) { Add-Problem $Path $lineNo "a second level-1 heading '# $htext'" }
                    elseif ($doc.Sections.Count -gt 0) { Add-Problem $Path $lineNo 'the level-1 heading must come before every section' }
                    else { $doc.Title = $htext; $doc.Line = $lineNo }
                }
                2 {
                    $section = [pscustomobject]@{
                        Title       = $htext
                        Line        = $lineNo
                        Blocks      = [System.Collections.Generic.List[object]]::new()
                        Subsections = [System.Collections.Generic.List[object]]::new()
                    }
                    $doc.Sections.Add($section)
                    $blocks = $section.Blocks
                }
                3 {
                    if ($null -eq $section) {
                        Add-Problem $Path $lineNo "level-3 heading '### $htext' outside a level-2 section"
                        $blocks = [System.Collections.Generic.List[object]]::new()
                    }
                    else {
                        $sub = [pscustomobject]@{ Title = $htext; Line = $lineNo; Blocks = [System.Collections.Generic.List[object]]::new() }
                        $section.Subsections.Add($sub)
                        $blocks = $sub.Blocks
                    }
                }
                default { Add-Problem $Path $lineNo "headings deeper than level 3 are not supported: '$line'" }
            }
            $i++
            continue
        }

        # Blank line: ends a paragraph or table; a list goes on only if the
        # next non-blank line is another item of it.
        if ($line -eq '') {
            $para = $null
            $table = $null
            if ($null -ne $list) {
                $j = $i + 1
                while ($j -lt $lines.Count -and $lines[$j].Trim() -eq '') { $j++ }
                if ($j -ge $lines.Count -or $lines[$j] -notmatch '^\s{0,3}([-*+]|\d+[.)])\s+\S') { $list = $null }
            }
            $i++
            continue
        }

        # List item.
        if ($line -match '^\s{0,3}(?<marker>[-*+]|\d+[.)])\s+(?<text>\S.*)$') {
            $itemText = $Matches.text.Trim()
            $ordered = $Matches.marker -match '^\d'
            $para = $null
            $table = $null
            if ($null -eq $list -or $list.Ordered -ne $ordered) {
                $list = [pscustomobject]@{ Kind = 'list'; Ordered = $ordered; Items = [System.Collections.Generic.List[string]]::new(); Line = $lineNo }
                $blocks.Add($list)
            }
            $list.Items.Add($itemText)
            $i++
            continue
        }

        # Table row.
        if ($line -match '^\s{0,3}\|') {
            $para = $null
            $list = $null
            if ($null -eq $table) {
                $table = [pscustomobject]@{ Kind = 'table'; Rows = [System.Collections.Generic.List[object]]::new(); Line = $lineNo }
                $blocks.Add($table)
            }
            $cells = $line.Trim().Trim('|').Split('|') | ForEach-Object { $_.Trim() }
            if (-not (@($cells) | Where-Object { $_ -notmatch '^:?-{1,}:?$' })) {
                # The header separator row: |---|:---:|
                $i++
                continue
            }
            $table.Rows.Add([string[]]@($cells))
            $i++
            continue
        }

        # Continuation of a list item.
        if ($null -ne $list) {
            $list.Items[$list.Items.Count - 1] += ' ' + $line.Trim()
            $i++
            continue
        }

        # Paragraph.
        if ($null -eq $para) {
            $para = [pscustomobject]@{ Kind = 'para'; Text = $line.Trim(); Line = $lineNo }
            $blocks.Add($para)
        }
        else {
            $para.Text += ' ' + $line.Trim()
        }
        $table = $null
        $i++
    }

    if ($null -eq $doc.Title) { Add-Problem $Path 1 "the file must start with a level-1 heading ('# Name')" }
    return $doc
}

#endregion

#region Cmdlet documents

$script:SectionOrder = 'Synopsis', 'Description', 'Parameters', 'Examples', 'Inputs', 'Outputs', 'Notes', 'Related Links'
$script:RequiredSections = 'Synopsis', 'Description', 'Examples', 'Inputs', 'Outputs'
$script:CodeInfos = 'powershell', 'pwsh', 'ps1'

function Test-TextBlocks {
    # Checks that a list of blocks holds only prose: paragraphs, lists, tables
    # and code blocks with a language the format knows.
    param($File, $Blocks, [string] $Where)
    foreach ($b in $Blocks) {
        if ($b.Kind -eq 'code' -and $b.Info -notin @($script:CodeInfos + 'text' + 'output' + '')) {
            Add-Problem $File $b.Line "$Where has a code block of unknown kind '$($b.Info)' (use powershell, output or text)"
        }
    }
}

function Get-ParameterDefault {
    # Parses the 'yaml' block of a parameter: 'Key: Value' lines, where the
    # only key is Default. Returns the default, or $null when none is given.
    param($File, $Block, [string] $Parameter)
    $default = $null
    $n = 0
    foreach ($l in $Block.Text.Split("`n")) {
        $n++
        if ($l.Trim() -eq '') { continue }
        $line = $Block.Line + $n
        if ($l -notmatch '^\s*(?<key>[A-Za-z]+)\s*:\s*(?<value>.*?)\s*$') {
            Add-Problem $File $line "parameter -${Parameter}: expected 'Key: Value', got '$l'"
            continue
        }
        if ($Matches.key -ne 'Default') {
            Add-Problem $File $line "parameter -${Parameter}: unknown key '$($Matches.key)' (known: Default)"
            continue
        }
        if ($null -ne $default) {
            Add-Problem $File $line "parameter -${Parameter}: key 'Default' given twice"
            continue
        }
        $value = $Matches.value.Trim().Trim('"', "'")
        if ($value -eq '') {
            Add-Problem $File $line "parameter -${Parameter}: bad value '$($Matches.value)' for Default: expected a value"
            continue
        }
        $default = $value
    }
    return $default
}

function Read-CmdletDocument {
    param([string] $Path)

    $doc = Read-MarkdownFile $Path
    $file = $Path
    $name = [System.IO.Path]::GetFileNameWithoutExtension($Path)

    $result = [pscustomobject]@{
        File        = $file
        Name        = $name
        Synopsis    = $null
        Description = @()
        Parameters  = [System.Collections.Generic.List[object]]::new()
        Examples    = [System.Collections.Generic.List[object]]::new()
        Inputs      = [System.Collections.Generic.List[object]]::new()
        Outputs     = [System.Collections.Generic.List[object]]::new()
        Notes       = @()
        Links       = [System.Collections.Generic.List[object]]::new()
        HasParametersSection = $false
    }

    if ($null -ne $doc.Title -and $doc.Title -ne $name) {
        Add-Problem $file $doc.Line "the title '# $($doc.Title)' must be the cmdlet name '$name' (the file name)"
    }
    if ($name -notmatch '^[A-Za-z]+-[A-Za-z0-9]+$') {
        Add-Problem $file 0 "the file name must be <Verb>-<Noun>.md"
    }
    foreach ($b in $doc.Preamble) { Add-Problem $file $b.Line 'text outside a section (before ## Synopsis)' }

    # Sections: known names, each once, in the fixed order.
    $seen = @{}
    $last = -1
    foreach ($s in $doc.Sections) {
        $idx = [array]::IndexOf([string[]]$script:SectionOrder, ($script:SectionOrder | Where-Object { $_ -eq $s.Title } | Select-Object -First 1))
        if ($idx -lt 0) {
            Add-Problem $file $s.Line "unknown section '## $($s.Title)' (sections: $($script:SectionOrder -join ', '))"
            continue
        }
        $title = $script:SectionOrder[$idx]
        if ($seen.ContainsKey($title)) { Add-Problem $file $s.Line "section '## $title' appears twice"; continue }
        if ($idx -lt $last) { Add-Problem $file $s.Line "section '## $title' is out of order (order: $($script:SectionOrder -join ', '))" }
        $last = [math]::Max($last, $idx)
        $seen[$title] = $s
    }
    foreach ($r in $script:RequiredSections) {
        if (-not $seen.ContainsKey($r)) { Add-Problem $file 0 "missing section '## $r'" }
    }
    foreach ($t in 'Synopsis', 'Description', 'Notes') {
        if ($seen.ContainsKey($t) -and $seen[$t].Subsections.Count -gt 0) {
            Add-Problem $file $seen[$t].Subsections[0].Line "section '## $t' cannot have '###' headings"
        }
    }
    foreach ($t in 'Parameters', 'Examples', 'Inputs', 'Outputs') {
        if ($seen.ContainsKey($t) -and $seen[$t].Blocks.Count -gt 0) {
            Add-Problem $file $seen[$t].Blocks[0].Line "section '## $t' must hold only '###' subsections, no text of its own"
        }
    }

    # Synopsis: one paragraph.
    if ($seen.ContainsKey('Synopsis')) {
        $s = $seen['Synopsis']
        if ($s.Blocks.Count -ne 1 -or $s.Blocks[0].Kind -ne 'para' -or $s.Blocks[0].Text -eq '') {
            Add-Problem $file $s.Line 'the synopsis must be exactly one paragraph of text'
        }
        elseif ($s.Blocks[0].Text -match '^\{\{.*\}\}$') {
            Add-Problem $file $s.Line 'the synopsis is still a placeholder'
        }
        else { $result.Synopsis = $s.Blocks[0].Text }
    }

    # Description: at least one paragraph.
    if ($seen.ContainsKey('Description')) {
        $s = $seen['Description']
        if (-not ($s.Blocks | Where-Object Kind -eq 'para')) { Add-Problem $file $s.Line 'the description needs at least one paragraph' }
        Test-TextBlocks $file $s.Blocks 'the description'
        $result.Description = @($s.Blocks)
    }

    # Parameters.
    if ($seen.ContainsKey('Parameters')) {
        $result.HasParametersSection = $true
        $s = $seen['Parameters']
        if ($s.Subsections.Count -eq 0) { Add-Problem $file $s.Line "section '## Parameters' is empty; leave it out if the cmdlet has no parameters" }
        $names = @{}
        foreach ($sub in $s.Subsections) {
            if ($sub.Title -notmatch '^-(?<p>[A-Za-z_][A-Za-z0-9_]*)$') {
                Add-Problem $file $sub.Line "parameter heading must be '### -Name', got '### $($sub.Title)'"
                continue
            }
            $pname = $Matches.p
            if ($names.ContainsKey($pname)) { Add-Problem $file $sub.Line "parameter -$pname is documented twice"; continue }
            $names[$pname] = $true
            $factsBlocks = @($sub.Blocks | Where-Object { $_.Kind -eq 'code' -and $_.Info -eq 'yaml' })
            $descBlocks = @($sub.Blocks | Where-Object { -not ($_.Kind -eq 'code' -and $_.Info -eq 'yaml') })
            if ($factsBlocks.Count -gt 1) { Add-Problem $file $factsBlocks[1].Line "parameter -${pname}: only one yaml block is allowed" }
            $default = if ($factsBlocks.Count -ge 1) { Get-ParameterDefault $file $factsBlocks[0] $pname }
            if (-not ($descBlocks | Where-Object { $_.Kind -eq 'para' -and $_.Text -notmatch '^\{\{.*\}\}$' })) {
                Add-Problem $file $sub.Line "parameter -$pname has no description"
            }
            Test-TextBlocks $file $descBlocks "parameter -$pname"
            $result.Parameters.Add([pscustomobject]@{ Name = $pname; Description = $descBlocks; Default = $default; Line = $sub.Line })
        }
    }

    # Examples: at least two; each: one powershell block, at most one output
    # block after it, and remarks.
    if ($seen.ContainsKey('Examples')) {
        $s = $seen['Examples']
        if ($s.Subsections.Count -lt 2) { Add-Problem $file $s.Line "at least two examples are needed, found $($s.Subsections.Count)" }
        foreach ($sub in $s.Subsections) {
            $codes = @($sub.Blocks | Where-Object { $_.Kind -eq 'code' -and $_.Info -in $script:CodeInfos })
            $outputs = @($sub.Blocks | Where-Object { $_.Kind -eq 'code' -and $_.Info -eq 'output' })
            $remarks = @($sub.Blocks | Where-Object { -not ($_.Kind -eq 'code' -and $_.Info -in @($script:CodeInfos + 'output')) })
            $where = "example '$($sub.Title)'"
            if ($sub.Title -eq '') { Add-Problem $file $sub.Line 'an example needs a title' }
            if ($codes.Count -ne 1) { Add-Problem $file $sub.Line "$where needs exactly one powershell code block, found $($codes.Count)" }
            elseif ($codes[0].Text.Trim() -eq '') { Add-Problem $file $codes[0].Line "$where has an empty code block" }
            if ($outputs.Count -gt 1) { Add-Problem $file $outputs[1].Line "$where has more than one output block" }
            if ($codes.Count -eq 1 -and $outputs.Count -ge 1 -and $outputs[0].Line -lt $codes[0].Line) {
                Add-Problem $file $outputs[0].Line "$where`: the output block must come after the code block"
            }
            if (-not ($remarks | Where-Object Kind -eq 'para')) { Add-Problem $file $sub.Line "$where needs remarks (at least one paragraph)" }
            Test-TextBlocks $file $remarks $where
            $result.Examples.Add([pscustomobject]@{
                    Title   = $sub.Title
                    Code    = if ($codes.Count -ge 1) { $codes[0].Text } else { '' }
                    Output  = if ($outputs.Count -ge 1) { $outputs[0].Text } else { $null }
                    Remarks = $remarks
                })
        }
    }

    # Inputs and outputs: one '### TypeName' each, optional description.
    foreach ($t in 'Inputs', 'Outputs') {
        if (-not $seen.ContainsKey($t)) { continue }
        $s = $seen[$t]
        if ($s.Subsections.Count -eq 0) { Add-Problem $file $s.Line "section '## $t' needs at least one '### TypeName' (or '### None')" }
        foreach ($sub in $s.Subsections) {
            if ($sub.Title -notmatch '^[A-Za-z_][\w.`\[\], ]*$') { Add-Problem $file $sub.Line "'### $($sub.Title)' is not a type name" }
            Test-TextBlocks $file $sub.Blocks "'### $($sub.Title)'"
            $result.$t.Add([pscustomobject]@{ Type = $sub.Title; Description = @($sub.Blocks); Line = $sub.Line })
        }
    }

    if ($seen.ContainsKey('Notes')) {
        $s = $seen['Notes']
        if ($s.Blocks.Count -eq 0) { Add-Problem $file $s.Line "section '## Notes' is empty; leave it out" }
        Test-TextBlocks $file $s.Blocks 'the notes'
        $result.Notes = @($s.Blocks)
    }

    # Related links: a list of [text](uri) or plain names.
    if ($seen.ContainsKey('Related Links')) {
        $s = $seen['Related Links']
        foreach ($b in $s.Blocks) {
            if ($b.Kind -ne 'list') { Add-Problem $file $b.Line "'## Related Links' must be a list ('- [Text](uri)' or '- Name')"; continue }
            foreach ($item in $b.Items) {
                if ($item -match '^\[(?<text>[^\]]+)\]\((?<uri>[^)\s]*)\)$') {
                    $uri = $Matches.uri
                    $linkText = $Matches.text.Trim()
                    # Links to other markdown files in src/help/ are for reading
                    # the sources; Get-Help shows the name only.
                    if ($uri -notmatch '^[a-z][a-z0-9+.-]*://') { $uri = '' }
                    $result.Links.Add([pscustomobject]@{ Text = $linkText; Uri = $uri })
                }
                elseif ($item -match '^<(?<uri>[a-z][a-z0-9+.-]*://[^>]+)>$') {
                    $result.Links.Add([pscustomobject]@{ Text = $Matches.uri; Uri = $Matches.uri })
                }
                elseif ($item -notmatch '^\[|\]\(') {
                    $result.Links.Add([pscustomobject]@{ Text = $item; Uri = '' })
                }
                else { Add-Problem $file $b.Line "related link '$item' is neither '[Text](uri)' nor a plain name" }
            }
        }
    }

    return $result
}

#endregion

#region Cmdlet metadata

$script:CommonParameters = [System.Collections.Generic.HashSet[string]]::new(
    [string[]]([System.Management.Automation.Cmdlet]::CommonParameters), [System.StringComparer]::OrdinalIgnoreCase)
$script:ShouldProcessParameters = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

function Get-TypeDisplayName {
    param([type] $Type)
    try { return [Microsoft.PowerShell.ToStringCodeMethods]::Type([psobject]$Type) } catch { return $Type.FullName }
}

function Get-TypeFullName {
    param([type] $Type)
    if ($Type.IsGenericType -or ($Type.HasElementType -and $Type.GetElementType().IsGenericType)) { return Get-TypeDisplayName $Type }
    return $Type.FullName
}

function Test-TypeNameMatch {
    # True when a type name written in markdown names $Type.
    param([string] $Written, [type] $Type)
    $w = $Written.Trim()
    $candidates = @($Type.FullName, $Type.Name, (Get-TypeDisplayName $Type), (Get-TypeFullName $Type))
    if ($candidates -contains $w) { return $true }
    try {
        $resolved = $w -as [type]
        if ($null -ne $resolved -and $resolved -eq $Type) { return $true }
    }
    catch { }
    return $false
}

function Get-ParameterModel {
    # Builds the facts of every documented parameter from the cmdlet metadata,
    # with the description and default from the markdown, and checks that the
    # markdown documents exactly the cmdlet's parameters.
    param($Document, $Command)

    $file = $Document.File
    $models = [System.Collections.Generic.List[object]]::new()

    $codeParams = @($Command.Parameters.Values | Where-Object { -not $script:CommonParameters.Contains($_.Name) })
    foreach ($cp in $codeParams) {
        if (-not ($Document.Parameters | Where-Object Name -eq $cp.Name) -and
            -not $script:ShouldProcessParameters.ContainsKey($cp.Name) -and $cp.Name -ne 'UseTransaction') {
            Add-Problem $file 0 "parameter -$($cp.Name) of $($Command.Name) is not documented"
        }
    }
    foreach ($p in $Document.Parameters) {
        $match = $codeParams | Where-Object Name -eq $p.Name
        if (-not $match) { Add-Problem $file $p.Line "parameter -$($p.Name) is documented but $($Command.Name) has no such parameter" }
        elseif ($match.Name -cne $p.Name) { Add-Problem $file $p.Line "parameter -$($p.Name) is spelled -$($match.Name) in the code" }
    }

    $sets = @($Command.ParameterSets)

    # Markdown order first, then ShouldProcess parameters the markdown left out.
    $ordered = @($Document.Parameters | ForEach-Object { $codeParams | Where-Object Name -eq $_.Name })
    $ordered += @($codeParams | Where-Object { $script:ShouldProcessParameters.ContainsKey($_.Name) -and -not ($Document.Parameters | Where-Object Name -eq $_.Name) })

    foreach ($cp in $ordered) {
        $doc = $Document.Parameters | Where-Object Name -eq $cp.Name | Select-Object -First 1

        $perSet = [ordered]@{}
        foreach ($set in $sets) {
            $info = $set.Parameters | Where-Object Name -eq $cp.Name | Select-Object -First 1
            if ($info) { $perSet[$set.Name] = $info }
        }
        $infos = @($perSet.Values)
        $positions = @($infos | ForEach-Object { if ($_.Position -ge 0) { [string]$_.Position } else { 'named' } } | Select-Object -Unique)
        $requireds = @($infos | ForEach-Object { $_.IsMandatory } | Select-Object -Unique)
        $pipeline = [System.Collections.Generic.List[string]]::new()
        if ($infos | Where-Object ValueFromPipeline) { $pipeline.Add('ByValue') }
        if ($infos | Where-Object ValueFromPipelineByPropertyName) { $pipeline.Add('ByPropertyName') }
        $type = $cp.ParameterType

        # Shown in the parameters section: one position when all sets
        # agree, otherwise the position per set.
        $position = if ($positions.Count -eq 1) { $positions[0] } else { @($perSet.Keys | ForEach-Object { "$(if ($perSet[$_].Position -ge 0) { $perSet[$_].Position } else { 'named' }) ($_)" }) -join ', ' }
        # Get-Help shows only true or false for Required?: true when the
        # parameter is mandatory in every set it is in (the syntax lines
        # show each set).
        $required = if ($requireds.Count -eq 1) { $requireds[0].ToString().ToLowerInvariant() } else { 'false' }

        $description = if ($doc) { $doc.Description } else { @([pscustomobject]@{ Kind = 'para'; Text = $script:ShouldProcessParameters[$cp.Name]; Line = 0 }) }

        $enumValues = $null
        $elementType = if ($type.IsArray) { $type.GetElementType() } else { $type }
        if ($elementType.IsEnum) {
            # A flags enum's zero value (None) is not a useful choice.
            $isFlags = $elementType.IsDefined([System.FlagsAttribute], $false)
            $enumValues = [string[]]@([System.Enum]::GetNames($elementType) | Where-Object {
                    -not ($isFlags -and [System.Convert]::ToUInt64([System.Enum]::Parse($elementType, $_)) -eq 0) })
        }
        $validateSet = $cp.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
        if ($validateSet) { $enumValues = [string[]]@($validateSet.ValidValues) }

        $models.Add([pscustomobject]@{
                Name        = $cp.Name
                Description = $description
                TypeDisplay = Get-TypeDisplayName $type
                TypeFull    = Get-TypeFullName $type
                IsSwitch    = $type -eq [System.Management.Automation.SwitchParameter]
                IsArray     = $type.IsArray
                Values      = $enumValues
                Position    = $position
                Required    = $required
                Pipeline    = $pipeline.ToArray()
                Aliases     = @($cp.Aliases)
                Wildcards   = [bool]($cp.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
                Default     = if ($doc -and $null -ne $doc.Default) { $doc.Default } else { 'None' }
                # Per set: position (int, -1 = named) and mandatory.
                Sets        = @(foreach ($k in $perSet.Keys) { [pscustomobject]@{ Name = $k; Position = $perSet[$k].Position; Mandatory = $perSet[$k].IsMandatory } })
            })
    }
    return [pscustomobject]@{ Parameters = $models; SetNames = [string[]]@($sets | ForEach-Object Name) }
}

#endregion

#region MAML writer

$script:NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$script:NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$script:MamlWidth = 72

function Write-El {
    # Writes <prefix:name attrs>text</prefix:name>, or runs $Body for children.
    param($W, [string] $Prefix, [string] $Name, $Text, [System.Collections.IDictionary] $Attributes, [scriptblock] $Body)
    $ns = @{ maml = $script:NsMaml; command = $script:NsCommand; dev = $script:NsDev }[$Prefix]
    $W.WriteStartElement($Prefix, $Name, $ns)
    if ($Attributes) { foreach ($k in $Attributes.Keys) { $W.WriteAttributeString($k, [string]$Attributes[$k]) } }
    if ($Body) { & $Body }
    elseif ($null -ne $Text) { $W.WriteString([string]$Text) }
    $W.WriteEndElement()
}

function Write-TextBlocks {
    # Paragraphs -> maml:para. Lists, code blocks and tables -> one maml:para
    # each with its lines kept (Get-Help keeps the line breaks inside a para
    # and only trims the start and end of it). Get-Help breaks lines at the
    # console width even inside words, so paragraphs and list items are
    # word-wrapped here to $script:MamlWidth columns (plus Get-Help's indent of
    # 4 or 8, which fits an 80-column console).
    param($W, $Blocks)
    $any = $false
    foreach ($b in $Blocks) {
        $text = switch ($b.Kind) {
            'para' { (Format-Wrapped $b.Text '' '' $script:MamlWidth) -join "`n" }
            'list' { (Format-ListText $b '' $script:MamlWidth) -join "`n" }
            'code' { Format-Dedented $b.Text }
            'table' { (Format-TableText $b.Rows '') -join "`n" }
        }
        Write-El $W maml para $text
        $any = $true
    }
    if (-not $any) { Write-El $W maml para '' }
}

function Format-Dedented {
    # Removes the indentation common to all lines of a code block.
    param([string] $Text)
    $lines = $Text.Split("`n")
    $indents = @($lines | Where-Object { $_.Trim() } | ForEach-Object { $_.Length - $_.TrimStart().Length })
    $cut = if ($indents.Count) { ($indents | Measure-Object -Minimum).Minimum } else { 0 }
    return (@($lines | ForEach-Object { if ($_.Length -ge $cut) { $_.Substring($cut) } else { $_.TrimStart() } }) -join "`n")
}

function Format-ListText {
    # Renders a list block as lines: '- item' or '1. item', wrapped with a
    # hanging indent.
    param($List, [string] $Indent, [int] $Width)
    $n = 0
    foreach ($item in $List.Items) {
        $n++
        $tag = if ($List.Ordered) { "$n. " } else { '- ' }
        Format-Wrapped $item ($Indent + $tag) ($Indent + (' ' * $tag.Length)) $Width
    }
}

function Format-TableText {
    # Renders table rows as aligned columns with a dashed line under the header.
    param($Rows, [string] $Indent)
    $cols = ($Rows | ForEach-Object { $_.Count } | Measure-Object -Maximum).Maximum
    $widths = @(for ($c = 0; $c -lt $cols; $c++) { ($Rows | ForEach-Object { if ($c -lt $_.Count) { $_[$c].Length } else { 0 } } | Measure-Object -Maximum).Maximum })
    $out = [System.Collections.Generic.List[string]]::new()
    for ($r = 0; $r -lt $Rows.Count; $r++) {
        $cells = @(for ($c = 0; $c -lt $cols; $c++) { $v = if ($c -lt $Rows[$r].Count) { $Rows[$r][$c] } else { '' }; $v.PadRight($widths[$c]) })
        $out.Add(($Indent + ($cells -join '  ')).TrimEnd())
        if ($r -eq 0) { $out.Add(($Indent + (@($widths | ForEach-Object { '-' * $_ }) -join '  ')).TrimEnd()) }
    }
    return $out.ToArray()
}

function Write-Parameter {
    param($W, $P, [bool] $InSyntax, [string] $Required, [string] $Position)
    $attrs = [ordered]@{
        required       = $Required
        variableLength = $P.IsArray.ToString().ToLowerInvariant()
        globbing       = $P.Wildcards.ToString().ToLowerInvariant()
        pipelineInput  = if (@($P.Pipeline).Count -gt 0) { "True ($(@($P.Pipeline) -join ', '))" } else { 'False' }
        position       = $Position
        aliases        = if (@($P.Aliases).Count -gt 0) { $P.Aliases -join ', ' } else { 'none' }
    }
    Write-El $W command parameter -Attributes $attrs -Body {
        Write-El $W maml name $P.Name
        Write-El $W maml description -Body { Write-TextBlocks $W $P.Description }
        if ($InSyntax) {
            if ($P.Values) {
                Write-El $W command parameterValueGroup -Body {
                    foreach ($v in $P.Values) { Write-El $W command parameterValue $v -Attributes ([ordered]@{ required = 'false'; variableLength = 'false' }) }
                }
            }
            elseif (-not $P.IsSwitch) {
                Write-El $W command parameterValue $P.TypeDisplay -Attributes ([ordered]@{ required = 'true'; variableLength = $P.IsArray.ToString().ToLowerInvariant() })
            }
        }
        else {
            Write-El $W command parameterValue $P.TypeDisplay -Attributes ([ordered]@{ required = (-not $P.IsSwitch).ToString().ToLowerInvariant(); variableLength = $P.IsArray.ToString().ToLowerInvariant() })
        }
        Write-El $W dev type -Body { Write-El $W maml name $P.TypeFull; Write-El $W maml uri '' }
        Write-El $W dev defaultValue $P.Default
    }
}

function Write-Command {
    param($W, $Document, $Model)
    $verb, $noun = $Document.Name.Split('-', 2)
    Write-El $W command command -Body {
        Write-El $W command details -Body {
            Write-El $W command name $Document.Name
            Write-El $W command verb $verb
            Write-El $W command noun $noun
            Write-El $W maml description -Body { Write-El $W maml para $Document.Synopsis }
        }
        Write-El $W maml description -Body { Write-TextBlocks $W $Document.Description }

        Write-El $W command syntax -Body {
            foreach ($set in $Model.SetNames) {
                $inSet = @(foreach ($p in $Model.Parameters) {
                        $s = $p.Sets | Where-Object Name -eq $set | Select-Object -First 1
                        if ($s) { [pscustomobject]@{ P = $p; S = $s; Order = $(if ($s.Position -ge 0) { $s.Position } else { [int]::MaxValue }) } }
                    })
                # Positional parameters first, by position; then the rest,
                # mandatory before optional; WhatIf and Confirm last.
                $i = 0
                $inSet = @($inSet | ForEach-Object { $_ | Add-Member -NotePropertyName Index -NotePropertyValue ($i++) -PassThru } |
                        Sort-Object @{ e = { $script:ShouldProcessParameters.ContainsKey($_.P.Name) } }, Order, @{ e = { -not $_.S.Mandatory } }, Index)
                Write-El $W command syntaxItem -Body {
                    Write-El $W maml name $Document.Name
                    foreach ($x in $inSet) {
                        $pos = if ($x.S.Position -ge 0) { [string]$x.S.Position } else { 'named' }
                        Write-Parameter $W $x.P $true $x.S.Mandatory.ToString().ToLowerInvariant() $pos
                    }
                }
            }
        }

        Write-El $W command parameters -Body {
            foreach ($p in $Model.Parameters) { Write-Parameter $W $p $false $p.Required $p.Position }
        }

        foreach ($kind in @(@('inputTypes', 'inputType', $Document.Inputs), @('returnValues', 'returnValue', $Document.Outputs))) {
            $outer, $inner, $items = $kind
            Write-El $W command $outer -Body {
                foreach ($item in $items) {
                    Write-El $W command $inner -Body {
                        Write-El $W dev type -Body { Write-El $W maml name $item.Type; Write-El $W maml uri '' }
                        Write-El $W maml description -Body { Write-TextBlocks $W $item.Description }
                    }
                }
            }
        }

        if ($Document.Notes.Count -gt 0) {
            Write-El $W maml alertSet -Body {
                Write-El $W maml alert -Body { Write-TextBlocks $W $Document.Notes }
            }
        }

        Write-El $W command examples -Body {
            foreach ($e in $Document.Examples) {
                Write-El $W command example -Body {
                    $title = $e.Title
                    # Dashes on both sides, as Get-Help shows examples, within 76 columns.
                    $dashes = '-' * [math]::Max(2, [math]::Floor((76 - $title.Length - 2) / 2))
                    Write-El $W maml title "$dashes $title $dashes"
                    Write-El $W maml introduction -Body { Write-El $W maml para 'PS > ' }
                    $code = $e.Code
                    if ($null -ne $e.Output) { $code += "`n`n" + $e.Output }
                    Write-El $W dev code $code
                    Write-El $W dev remarks -Body {
                        Write-TextBlocks $W $e.Remarks
                        # An empty last para puts a blank line before the next example.
                        Write-El $W maml para ''
                    }
                }
            }
        }

        Write-El $W command relatedLinks -Body {
            foreach ($l in $Document.Links) {
                Write-El $W maml navigationLink -Body {
                    Write-El $W maml linkText $l.Text
                    Write-El $W maml uri $l.Uri
                }
            }
        }
    }
}

function Write-MamlFile {
    param([string] $Path, $Items)
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $settings.NewLineChars = "`n"
    $w = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $w.WriteStartDocument()
        $w.WriteStartElement('helpItems', 'http://msh')
        $w.WriteAttributeString('schema', 'maml')
        $w.WriteAttributeString('xmlns', 'maml', $null, $script:NsMaml)
        $w.WriteAttributeString('xmlns', 'command', $null, $script:NsCommand)
        $w.WriteAttributeString('xmlns', 'dev', $null, $script:NsDev)
        foreach ($item in $Items) { Write-Command $w $item.Document $item.Model }
        $w.WriteEndElement()
        $w.WriteEndDocument()
    }
    finally { $w.Dispose() }
}

#endregion

#region About topics

function Format-Wrapped {
    # Word-wraps $Text to $Width columns; $First starts the first line and
    # $Rest the others.
    param([string] $Text, [string] $First, [string] $Rest, [int] $Width)
    $lines = [System.Collections.Generic.List[string]]::new()
    $current = $First
    $empty = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $empty -and ($current.Length + 1 + $word.Length) -gt $Width) {
            $lines.Add($current)
            $current = $Rest + $word
        }
        elseif ($empty) { $current += $word }
        else { $current += ' ' + $word }
        $empty = $false
    }
    $lines.Add($current.TrimEnd())
    return $lines.ToArray()
}

function ConvertTo-AboutText {
    param([string] $Path, [int] $Width)

    $doc = Read-MarkdownFile $Path
    $file = $Path
    $name = [System.IO.Path]::GetFileNameWithoutExtension($Path)
    if ($null -ne $doc.Title -and $doc.Title -ne $name) { Add-Problem $file $doc.Line "the title '# $($doc.Title)' must be '$name' (the file name)" }
    foreach ($b in $doc.Preamble) { Add-Problem $file $b.Line "text before the first section ('## Short description')" }

    $sections = @($doc.Sections)
    if ($sections.Count -lt 2 -or $sections[0].Title -ne 'Short description' -or $sections[1].Title -ne 'Long description') {
        Add-Problem $file 0 "an about topic starts with '## Short description' and then '## Long description'"
        return $null
    }
    $short = $sections[0]
    if ($short.Blocks.Count -ne 1 -or $short.Blocks[0].Kind -ne 'para' -or $short.Subsections.Count -gt 0) {
        Add-Problem $file $short.Line "'## Short description' must be exactly one paragraph"
        return $null
    }
    $shortText = $short.Blocks[0].Text
    if ($shortText.Length -gt $Width - 4) {
        # Get-Help takes the 5th line of the file as the synopsis.
        Add-Problem $file $short.Line "the short description must fit on one line ($($Width - 4) characters), it has $($shortText.Length)"
    }

    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC')
    $out.Add("    $name")
    $out.Add('')
    $out.Add('SHORT DESCRIPTION')
    $out.Add("    $shortText")

    $renderBlocks = {
        param($Blocks)
        $first = $true
        foreach ($b in $Blocks) {
            if (-not $first) { $out.Add('') }
            $first = $false
            switch ($b.Kind) {
                'para' { foreach ($l in (Format-Wrapped $b.Text '    ' '    ' $Width)) { $out.Add($l) } }
                'list' { foreach ($l in (Format-ListText $b '    ' $Width)) { $out.Add($l) } }
                'code' { foreach ($l in (Format-Dedented $b.Text).Split("`n")) { $out.Add(('        ' + $l).TrimEnd()) } }
                'table' { foreach ($l in (Format-TableText $b.Rows '    ')) { $out.Add($l) } }
            }
        }
    }

    for ($i = 1; $i -lt $sections.Count; $i++) {
        $s = $sections[$i]
        $out.Add('')
        $out.Add($s.Title.ToUpperInvariant())
        & $renderBlocks $s.Blocks
        foreach ($sub in $s.Subsections) {
            $out.Add('')
            $out.Add("  $($sub.Title)")
            & $renderBlocks $sub.Blocks
        }
    }
    $out.Add('')
    return ($out -join "`n")
}

#endregion

#region Main

if (-not (Test-Path -LiteralPath $DocsPath -PathType Container)) { throw "DocsPath '$DocsPath' is not a folder" }
$DocsPath = (Resolve-Path -LiteralPath $DocsPath).ProviderPath

$cmdletFiles = @(Get-ChildItem -LiteralPath $DocsPath -Filter '*-*.md' -File | Sort-Object Name)
$aboutFiles = @(Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md' -File | Sort-Object Name)
if ($cmdletFiles.Count -eq 0) { throw "no <Verb>-<Noun>.md files in '$DocsPath'" }

if (-not (Test-Path -LiteralPath $ModulePath -PathType Leaf)) { throw "ModulePath '$ModulePath' does not exist" }
$module = Import-Module -Name (Resolve-Path -LiteralPath $ModulePath).ProviderPath -PassThru -Force -ErrorAction Stop -Verbose:$false | Select-Object -First 1
$commands = @{}
foreach ($c in @(Get-Command -Module $module.Name -CommandType Cmdlet)) { $commands[$c.Name] = $c }
$helpFiles = @($commands.Values | ForEach-Object HelpFile | Select-Object -Unique)
if ($helpFiles.Count -ne 1 -or -not $helpFiles[0]) { throw "the cmdlets of $($module.Name) must name one help file, not '$($helpFiles -join ', ')'" }

$items = [System.Collections.Generic.List[object]]::new()
foreach ($f in $cmdletFiles) {
    $document = Read-CmdletDocument $f.FullName
    $command = $commands[$document.Name]
    if ($null -eq $command) {
        Add-Problem $f.FullName 0 "the module exports no cmdlet '$($document.Name)'"
        continue
    }
    if ($command.Name -cne $document.Name) { Add-Problem $f.FullName 0 "the cmdlet is spelled '$($command.Name)'" }
    $codeParams = @($command.Parameters.Keys | Where-Object { -not $script:CommonParameters.Contains($_) })
    if ($codeParams.Count -gt 0 -and -not $document.HasParametersSection) {
        Add-Problem $f.FullName 0 "missing section '## Parameters' ($($command.Name) has parameters)"
    }
    foreach ($ot in @($command.OutputType)) {
        if ($null -eq $ot.Type) { continue }
        if (-not ($document.Outputs | Where-Object { Test-TypeNameMatch $_.Type $ot.Type })) {
            Add-Problem $f.FullName 0 "output type '$($ot.Type.FullName)' (from [OutputType]) is not listed under '## Outputs'"
        }
    }
    $items.Add([pscustomobject]@{ Document = $document; Model = (Get-ParameterModel $document $command) })
}
foreach ($name in ($commands.Keys | Sort-Object)) {
    if (-not ($cmdletFiles | Where-Object { $_.BaseName -eq $name })) {
        Add-Problem (Join-Path $DocsPath "$name.md") 0 "cmdlet $name has no help file"
    }
}

$aboutTexts = [ordered]@{}
foreach ($f in $aboutFiles) {
    $text = ConvertTo-AboutText $f.FullName $AboutWidth
    if ($null -ne $text) { $aboutTexts[$f.BaseName] = $text }
}

if ($script:Problems.Count -gt 0) {
    foreach ($p in $script:Problems) { [Console]::Error.WriteLine("ERROR $p") }
    throw "help build failed: $($script:Problems.Count) problem(s) in the markdown in '$DocsPath' (listed above)"
}

$culture = Join-Path $OutputPath 'en-US'
$null = New-Item -ItemType Directory -Force -Path $culture
$culture = (Resolve-Path -LiteralPath $culture).ProviderPath
$mamlPath = Join-Path $culture $helpFiles[0]
Write-MamlFile $mamlPath $items
# Read it back: it must be well-formed.
$null = ([xml]::new()).Load($mamlPath)
Write-Verbose "wrote $mamlPath ($($items.Count) cmdlets)"
foreach ($k in $aboutTexts.Keys) {
    $aboutPath = Join-Path $culture "$k.help.txt"
    [System.IO.File]::WriteAllText($aboutPath, $aboutTexts[$k], [System.Text.UTF8Encoding]::new($false))
    Write-Verbose "wrote $aboutPath"
}

#endregion
