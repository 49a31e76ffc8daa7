/** BERT, RoBERTa and GPT-2 by Hub id, from the local Hub stand-in: the same numbers as from the folder. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadBert, loadGpt2, loadRoberta } from "../../kernel";
import { ROOT, ready } from "../helpers";
import { isolated } from "../hub/hub-helpers";
import { startHubStandIn, type HubStandIn } from "../hub/stand-in";

let hub: HubStandIn;
const sample = (name: string) => join(ROOT, "samples", name);

before(async () => {
  await ready();
  hub = await startHubStandIn({
    repos: { "lukelab/tiny-bert": sample("tiny-bert"), "lukelab/tiny-roberta": sample("tiny-roberta"), "lukelab/tiny-gpt2": sample("tiny-gpt2") },
  });
});
after(() => hub.close());

for (const [name, load] of [["tiny-bert", loadBert], ["tiny-roberta", loadRoberta], ["tiny-gpt2", loadGpt2]] as const) {
  test(`lukelab/${name}@main loads from the Hub and computes what the folder computes`, async () => {
    const text = "Ada Lovelace wrote the first published algorithm.";
    const byId = await load(`lukelab/${name}@main`, { hub: isolated(hub.url) });
    const byFolder = await load(sample(name));
    try {
      const [a] = await byId.forward([text], { attentions: true });
      const [b] = await byFolder.forward([text], { attentions: true });
      assert.deepEqual(a.inputIds, b.inputIds);
      assert.deepEqual(a.lastHiddenState, b.lastHiddenState);
      assert.deepEqual(a.attentions, b.attentions);
    } finally {
      byId.dispose();
      byFolder.dispose();
    }
  });
}
