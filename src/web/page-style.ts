/**
 * The page's stylesheet: light and dark (prefers-color-scheme), verdicts by colour and by stroke
 * pattern (the glyph and word are in the text), a print layout, and a two-pane layout that fits 1280×800.
 */
export const PAGE_CSS = `
:root { color-scheme: light dark; --bg:#fff; --fg:#1b1f24; --dim:#5b6570; --line:#9aa4ae; --panel:#f4f6f8; --sel:#ffe58a; --match:#b7e1ff;
  --ready:#1a7f37; --assignable:#0b62c4; --held:#b35c00; --blocked:#c62828; --inuse:#8e24aa; --infrastructure:#7a838c; --unknown:#6b7280; --nogroup:#8a6d00; }
@media (prefers-color-scheme: dark) { :root { --bg:#0f1216; --fg:#e6e9ec; --dim:#9aa4ae; --line:#56606a; --panel:#181d23; --sel:#6b5800; --match:#0f4a75;
  --ready:#4cc26b; --assignable:#5aa9ff; --held:#ffab40; --blocked:#ff6b6b; --inuse:#d98cf0; --infrastructure:#8c959e; --unknown:#a3a9b1; --nogroup:#d4b13a; } }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--fg); display:grid; grid-template-rows:auto auto 1fr; height:100vh; }
header { padding:8px 16px; border-bottom:1px solid var(--line); }
header h1 { font-size:17px; margin:0 0 2px; }
header p { margin:2px 0; }
.facts { display:flex; flex-wrap:wrap; gap:4px 18px; color:var(--dim); }
.facts b { color:var(--fg); font-weight:600; }
.warn { border-left:4px solid var(--blocked); padding:4px 8px; background:var(--panel); white-space:pre-wrap; }
.legend { display:flex; gap:14px; flex-wrap:wrap; font-size:13px; }
.legend span::before { content:''; display:inline-block; width:14px; height:10px; margin-right:4px; border:2px solid currentColor; vertical-align:-1px; }
.legend .l-ready { color:var(--ready); } .legend .l-assignable { color:var(--assignable); } .legend .l-held { color:var(--held); } .legend .l-blocked { color:var(--blocked); } .legend .l-in-use { color:var(--inuse); } .legend .l-unknown { color:var(--unknown); } .legend .l-infrastructure { color:var(--infrastructure); }
.legend .l-assignable::before, .legend .l-unknown::before { border-style:dashed; } .legend .l-blocked::before { border-style:double; border-width:3px; } .legend .l-infrastructure::before { border-style:dotted; }
#toolbar { display:flex; gap:12px; align-items:center; padding:6px 16px; border-bottom:1px solid var(--line); background:var(--panel); flex-wrap:wrap; }
#toolbar input[type=search] { width:320px; padding:4px 6px; font:inherit; }
main { display:grid; grid-template-columns:minmax(0,1fr) 370px; min-height:0; }
#tree { overflow:auto; min-height:0; }
#side { overflow:auto; border-left:1px solid var(--line); padding:8px 12px; background:var(--panel); min-height:0; }
#side h2 { font-size:15px; margin:4px 0 8px; word-break:break-word; } #side h3 { font-size:14px; margin:12px 0 4px; } #side h4 { font-size:13px; margin:8px 0 2px; }
#side ul, #side ol { margin:2px 0; padding-left:20px; } #side li { margin:2px 0; word-break:break-word; }
#side code { font-size:12px; word-break:break-all; background:var(--bg); padding:1px 3px; }
dl { display:grid; grid-template-columns:max-content 1fr; gap:2px 10px; margin:0; } dt { color:var(--dim); } dd { margin:0; word-break:break-word; }
#results { list-style:none; padding:0; margin:0 0 8px; } .hit { text-align:left; width:100%; font:12px ui-monospace, monospace; }
button.link { border:0; background:none; color:var(--assignable); text-decoration:underline; cursor:pointer; font:inherit; padding:0; }
.dim { color:var(--dim); } .bad { color:var(--blocked); font-weight:600; }
h3.v-ready { color:var(--ready); } h3.v-assignable { color:var(--assignable); } h3.v-held { color:var(--held); } h3.v-blocked { color:var(--blocked); } h3.v-in-use { color:var(--inuse); } h3.v-unknown { color:var(--unknown); } h3.v-infrastructure { color:var(--infrastructure); }
svg { display:block; font:12.5px ui-monospace, SFMono-Regular, Menlo, monospace; }
svg text { fill:var(--fg); } #links { fill:none; stroke:var(--line); stroke-width:1; }
.grp rect { fill:transparent; stroke-width:2; } .grp .glabel { font:600 12px system-ui, sans-serif; }
.grp.v-ready rect { stroke:var(--ready); fill:color-mix(in srgb, var(--ready) 9%, transparent); } .grp.v-ready .glabel { fill:var(--ready); }
.grp.v-assignable rect { stroke:var(--assignable); stroke-dasharray:7 4; fill:color-mix(in srgb, var(--assignable) 8%, transparent); } .grp.v-assignable .glabel { fill:var(--assignable); }
.grp.v-blocked rect { stroke:var(--blocked); stroke-width:2.5; fill:color-mix(in srgb, var(--blocked) 8%, transparent); } .grp.v-blocked .glabel { fill:var(--blocked); }
.grp.v-held rect { stroke:var(--held); stroke-width:2.5; fill:color-mix(in srgb, var(--held) 8%, transparent); } .grp.v-held .glabel { fill:var(--held); }
.grp.v-blocked rect { stroke-dasharray:14 3 2 3; }
.grp.v-in-use rect { stroke:var(--inuse); stroke-width:2.5; fill:color-mix(in srgb, var(--inuse) 8%, transparent); } .grp.v-in-use .glabel { fill:var(--inuse); }
.grp.v-unknown rect { stroke:var(--unknown); stroke-dasharray:4 4; } .grp.v-unknown .glabel { fill:var(--unknown); }
.grp.v-infrastructure rect { stroke:var(--infrastructure); stroke-dasharray:2 3; stroke-width:1.5; } .grp.v-infrastructure .glabel { fill:var(--infrastructure); font-weight:400; }
.node { cursor:pointer; } .node .shape { fill:var(--bg); stroke:var(--fg); stroke-width:1.5; }
.node.v-ready .shape { fill:var(--ready); } .node.v-assignable .shape { fill:var(--assignable); } .node.v-blocked .shape { fill:var(--bg); stroke:var(--blocked); } .node.v-held .shape { fill:var(--bg); stroke:var(--held); } .node.v-in-use .shape { fill:var(--inuse); }
.node.blocker .shape { fill:var(--blocked); } .node.v-held.blocker .shape { fill:var(--held); } .node .blk { fill:var(--blocked); font-weight:700; } .node.v-held .blk { fill:var(--held); } .node .badge { fill:var(--dim); }
.node.k-root-complex text { font-weight:700; } .node .toggle { fill:var(--dim); font-size:13px; }
.node:focus { outline:none; } .node:focus .t { fill:var(--assignable); font-weight:700; } .node.sel .t { font-weight:700; }
.node.sel .t { paint-order:stroke; stroke:var(--sel); stroke-width:7px; stroke-linejoin:round; }
.node.match .t { paint-order:stroke; stroke:var(--match); stroke-width:7px; stroke-linejoin:round; }
.hidden { display:none; }
body.only-endpoints .grp.infra { display:none; } body.only-endpoints .node.v-infrastructure, body.only-endpoints .node.v-nogroup { opacity:.35; }
#whatif { border-top:1px solid var(--line); margin-top:12px; padding-top:6px; }
@media print {
  body { display:block; height:auto; } #toolbar, #whatif, .toggle { display:none; }
  main { display:block; } #tree, #side { overflow:visible; border:0; }
  svg { width:100%; height:auto; } * { print-color-adjust:exact; -webkit-print-color-adjust:exact; }
  .node.hidden, .grp.hidden { display:none; }
}
`;
