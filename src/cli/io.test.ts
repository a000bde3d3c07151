import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeChunked } from './io.js';

/** No lone surrogate (String.prototype.isWellFormed, which TypeScript's lib here lacks). */
const wellFormed = (s: string): boolean => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

test('writeChunked: the pieces are the text again, none longer than a chunk and a half-pair, no surrogate pair split', () => {
  const texts = [
    '', 'short', 'x'.repeat(10), 'ab'.repeat(37),
    // Astral characters (surrogate pairs) around every cut point, and BMP characters that are not ASCII.
    '😀'.repeat(40), `a${'😀'.repeat(40)}`, `é${'🙂x'.repeat(33)}ü`, '\ud83d'.repeat(9) + 'end',
  ];
  for (const text of texts) {
    for (const chunk of [1, 2, 3, 7, 16, 1000]) {
      const pieces: string[] = [];
      writeChunked((p) => pieces.push(p), text, chunk);
      assert.equal(pieces.join(''), text, `${JSON.stringify(text.slice(0, 12))} / ${chunk}`);
      for (const p of pieces) {
        assert.ok(p.length <= chunk + 1, `piece of ${p.length} for chunk ${chunk}`);
        // A well-formed text stays well-formed piece by piece: each encodes to UTF-8 on its own as the whole does.
        if (wellFormed(text)) assert.ok(wellFormed(p), `a pair split: ${JSON.stringify(p)}`);
      }
      if (text.length > chunk) assert.ok(pieces.length > 1);
      assert.equal(Buffer.concat(pieces.map((p) => Buffer.from(p))).toString(), wellFormed(text) ? text : Buffer.from(text).toString());
    }
  }
});
