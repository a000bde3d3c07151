/**
 * Turns pasted text into the lines the importers read: quote prefixes (`> `, `>> `), code fences
 * (``` and ~~~), HTML wrappers a forum adds (`<details>`, `<summary>`, `<pre>`, `<code>`), shell
 * prompts with their command (`$ lspci -nnk`, `root@pve:~# …`), ANSI colour codes, carriage returns
 * and trailing blanks are removed; each kept line keeps its 1-based line number in the input.
 */

export interface Line {
  /** 1-based line number in the input as pasted. */
  readonly n: number;
  readonly text: string;
}

export interface CleanText {
  readonly lines: readonly Line[];
  /** Commands found at prompts (`lspci -nnk`), with their line: a hint for the format. */
  readonly commands: readonly Line[];
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;
const FENCE_RE = /^\s*(```|~~~)/;
const HTML_START_RE = /^\s*<\/?(details|summary|pre|code|p|br|div)\b/i;
const HTML_TAG_RE = /<\/?(details|summary|pre|code|p|br|div)\b[^>]*>/gi;
/** `user@host:~$ cmd`, `[root@host ~]# cmd`, `$ cmd`, `# cmd` (only with a known command after `#`). */
const PROMPT_RE = /^\s*(?:\([^)]*\)\s*)?(?:[\w.-]+@[\w.-]+(?::[^\s$#]*)?\s?[$#%]|\[[\w.-]+@[\w.-]+[^\]]*\][$#]|\$|❯|➜\s+\S+)\s+(.*)$/;
const HASH_COMMAND_RE = /^\s*#\s+((?:sudo\s+)?(?:lspci|dmesg|journalctl|pvesh|for\s|find\s|ls-iommu|cat\s|grep\s|shopt|bash|sh\s|\.\/)\S*.*)$/;

/**
 * Cleans pasted text. Quote prefixes are stripped when most non-blank lines carry one (a mail or
 * forum quote), so a lone `>` in data is left alone.
 */
export function cleanPaste(text: string): CleanText {
  const raw = text.replace(ANSI_RE, '').split(/\r?\n|\r/);
  const quoted = raw.filter((l) => /^\s*>/.test(l)).length;
  const nonBlank = raw.filter((l) => l.trim() !== '').length;
  const stripQuotes = quoted > 0 && quoted * 2 >= nonBlank;
  const lines: Line[] = [];
  const commands: Line[] = [];
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i] as string;
    if (stripQuotes) t = t.replace(/^\s*(?:>\s?)+/, '');
    t = t.replace(/\s+$/, '');
    if (t === '' || FENCE_RE.test(t)) continue;
    if (HTML_START_RE.test(t)) {
      t = t.replace(HTML_TAG_RE, '').trim();
      if (t === '') continue;
    }
    const prompt = PROMPT_RE.exec(t) ?? HASH_COMMAND_RE.exec(t);
    if (prompt) {
      commands.push({ n: i + 1, text: (prompt[1] ?? '').trim() });
      continue;
    }
    lines.push({ n: i + 1, text: t });
  }
  return { lines, commands };
}

/** Leading whitespace width, a tab counting as 8 (as a terminal shows it). */
export function indentOf(text: string): number {
  let w = 0;
  for (const c of text) {
    if (c === ' ') w++;
    else if (c === '\t') w = (Math.floor(w / 8) + 1) * 8;
    else break;
  }
  return w;
}
