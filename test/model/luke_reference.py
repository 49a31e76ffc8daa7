"""Reference numbers for test/model: tiny random LUKE models run by transformers.

Reads JSON on stdin: {"configs": {name: config.json content written by lukeConfigToJson}}.
Each config is written to a folder and loaded with LukeConfig.from_pretrained, so this also checks
that transformers reads what the TypeScript side writes.

For every config it builds a random LukeModel (every weight re-randomised: LayerNorms away from
ones/zeros, w2e/e2w/e2e queries different from `query`, weights large enough that attention is
peaked), copies its weights into each task head, and runs a padded batch in eval mode with
attentions and hidden states. Prints one JSON object: configs as transformers read them, state
dicts, inputs, outputs, state-dict keys per head and losses.
"""

import json
import os
import sys
import tempfile

import torch
from transformers import (
    LukeConfig,
    LukeForEntityClassification,
    LukeForEntityPairClassification,
    LukeForEntitySpanClassification,
    LukeForMaskedLM,
    LukeModel,
)

HEADS = {
    "entity_classification": LukeForEntityClassification,
    "entity_pair_classification": LukeForEntityPairClassification,
    "entity_span_classification": LukeForEntitySpanClassification,
    "masked_lm": LukeForMaskedLM,
}

# Three rows of different lengths: right padding, none, and left padding (positions restart at 2).
PAD = 1
INPUT_IDS = [
    [0, 7, 13, 50, 22, 2, PAD, PAD, PAD, PAD],
    [0, 5, 17, 23, 8, 44, 31, 12, 9, 2],
    [PAD, PAD, PAD, 0, 33, 41, 19, 27, 11, 2],
]
ATTENTION_MASK = [[int(t != PAD) for t in row] for row in INPUT_IDS]
TOKEN_TYPE_IDS = [[0] * 10, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], [0] * 10]
# Three entity slots, mentions up to 4 tokens, -1 padding; row 0 has 2 entities, row 2 has 1.
ENTITY_IDS = [[3, 7, 0], [2, 5, 11], [4, 0, 0]]
ENTITY_POSITION_IDS = [
    [[1, -1, -1, -1], [2, 3, 4, -1], [-1, -1, -1, -1]],
    [[1, 2, -1, -1], [3, 4, 5, 6], [8, -1, -1, -1]],
    [[4, 5, -1, -1], [-1, -1, -1, -1], [-1, -1, -1, -1]],
]
ENTITY_ATTENTION_MASK = [[1, 1, 0], [1, 1, 1], [1, 0, 0]]
ENTITY_TOKEN_TYPE_IDS = [[0, 1, 0], [0, 1, 1], [1, 0, 0]]
ENTITY_START_POSITIONS = [[1, 2, 0], [1, 3, 8], [4, 0, 0]]
ENTITY_END_POSITIONS = [[1, 4, 0], [2, 6, 8], [5, 0, 0]]


def tensor_json(t):
    t = t.detach().to(torch.float32) if t.is_floating_point() else t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def outputs_json(out):
    result = {}
    for key in ("last_hidden_state", "entity_last_hidden_state", "pooler_output", "logits", "entity_logits"):
        value = getattr(out, key, None)
        if value is not None:
            result[key] = tensor_json(value)
    for key in ("hidden_states", "entity_hidden_states", "attentions"):
        value = getattr(out, key, None)
        if value is not None and value[0] is not None:
            result[key] = [tensor_json(v) for v in value]
    return result


def randomise_(module, generator):
    """Every parameter random: LayerNorm γ near 1, β near 0, biases small, weights N(0, 0.3²)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("decoder.weight"):
                continue  # tied to an embedding table, which is randomised with the base model
            noise = torch.randn(p.shape, generator=generator)
            if "LayerNorm" in name or "layer_norm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * noise)
            elif name.endswith("bias"):
                p.copy_(0.1 * noise)
            else:
                p.copy_(0.3 * noise)


def load_config(config_json):
    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_json, f)
    return LukeConfig.from_pretrained(folder)


def inputs_for(config, with_entities=True):
    t = lambda x: torch.tensor(x, dtype=torch.long)
    inputs = {"input_ids": t(INPUT_IDS), "attention_mask": t(ATTENTION_MASK)}
    if config.type_vocab_size > 1:
        inputs["token_type_ids"] = t(TOKEN_TYPE_IDS)
    if with_entities:
        inputs.update(
            entity_ids=t(ENTITY_IDS),
            entity_position_ids=t(ENTITY_POSITION_IDS),
            entity_attention_mask=t(ENTITY_ATTENTION_MASK),
        )
        if config.type_vocab_size > 1:
            inputs["entity_token_type_ids"] = t(ENTITY_TOKEN_TYPE_IDS)
    return inputs


def main():
    request = json.load(sys.stdin)
    result = {"configs": {}, "weights": {}, "inputs": {}, "runs": {}, "keys": {}, "losses": {}, "head_masks": {}, "grads": {}}
    generator = torch.Generator().manual_seed(1234)
    torch.manual_seed(1234)
    everything = dict(output_attentions=True, output_hidden_states=True)

    for name, config_json in request["configs"].items():
        config = load_config(config_json)
        result["configs"][name] = config.to_dict()
        inputs = inputs_for(config)
        plain = inputs_for(config, with_entities=False)
        result["inputs"][name] = {k: v.tolist() for k, v in inputs.items()}
        result["inputs"][name]["entity_start_positions"] = ENTITY_START_POSITIONS
        result["inputs"][name]["entity_end_positions"] = ENTITY_END_POSITIONS

        base = LukeModel(config)
        randomise_(base, generator)
        base.eval()
        if config.use_entity_aware_attention:
            attention = base.encoder.layer[0].attention.self
            assert not torch.equal(attention.query.weight, attention.w2e_query.weight)
            assert not torch.equal(attention.w2e_query.weight, attention.e2w_query.weight)
        base_state = base.state_dict()
        weights = {f"luke.{k}": tensor_json(v) for k, v in base_state.items()}
        result["keys"][name] = {"none": [[f"luke.{k}", list(v.shape)] for k, v in base_state.items()]}

        with torch.no_grad():
            result["runs"][f"{name}/none"] = outputs_json(base(**inputs, **everything))
            result["runs"][f"{name}/none/no_entities"] = outputs_json(base(**plain, **everything))
            head_mask = torch.ones(config.num_hidden_layers, config.num_attention_heads)
            head_mask[0, 1] = 0.0
            head_mask[-1, 0] = 0.5
            result["runs"][f"{name}/none/head_mask"] = outputs_json(base(**inputs, head_mask=head_mask, **everything))
        result["head_masks"][name] = head_mask.tolist()

        for head, cls in HEADS.items():
            model = cls(config)
            model.luke.load_state_dict(base_state)
            randomise_(torch.nn.ModuleDict({n: m for n, m in model.named_children() if n != "luke"}), generator)
            model.eval()
            if head == "masked_lm":  # the decoders really are the embedding tables
                assert model.lm_head.decoder.weight.data_ptr() == model.luke.embeddings.word_embeddings.weight.data_ptr()
                assert (
                    model.entity_predictions.decoder.weight.data_ptr()
                    == model.luke.entity_embeddings.entity_embeddings.weight.data_ptr()
                )
            state = model.state_dict()
            result["keys"][name][head] = [[k, list(v.shape)] for k, v in state.items()]
            for k, v in state.items():
                if not k.startswith("luke."):
                    weights[f"{head}:{k}"] = tensor_json(v)
            extra = {}
            if head == "entity_span_classification":
                extra = dict(
                    entity_start_positions=torch.tensor(ENTITY_START_POSITIONS),
                    entity_end_positions=torch.tensor(ENTITY_END_POSITIONS),
                )
            with torch.no_grad():
                result["runs"][f"{name}/{head}"] = outputs_json(model(**inputs, **extra, **everything))
                if head == "masked_lm":
                    result["runs"][f"{name}/{head}/no_entities"] = outputs_json(model(**plain, **everything))
            result["losses"].update(losses(name, head, model, config, inputs, extra))
            if name == "A" and head in ("entity_span_classification", "masked_lm"):
                result["grads"][f"{name}/{head}"] = gradients(head, model, config, inputs, extra)
        result["weights"][name] = weights

    json.dump(result, sys.stdout)


def loss_cases(head, config):
    n = config.num_labels
    gen = torch.Generator().manual_seed(7)
    if head in ("entity_classification", "entity_pair_classification"):
        return {
            "ce": {"labels": torch.tensor([2, 0, n - 1])},
            "bce": {"labels": torch.randint(0, 2, (3, n), generator=gen).float()},
        }
    if head == "entity_span_classification":
        return {
            "ce": {"labels": torch.tensor([[1, 0, -100], [2, n - 1, 0], [0, -100, -100]])},
            "bce": {"labels": torch.randint(0, 2, (3, 3, n), generator=gen).float()},
        }
    labels = torch.full((3, 10), -100)
    labels[0, 1], labels[0, 3], labels[1, 5], labels[2, 8] = 7, 50, 3, 11
    entity_labels = torch.tensor([[5, -100, -100], [2, 9, -100], [-100, -100, -100]])
    return {"mlm": {"labels": labels, "entity_labels": entity_labels}}


def gradients(head, model, config, inputs, extra):
    """d(loss)/d(weight) of the first loss case in eval mode (no dropout); tied weights appear once."""
    kind, labels = next(iter(loss_cases(head, config).items()))
    model.zero_grad()
    model(**inputs, **extra, **labels).loss.backward()
    return {k: tensor_json(p.grad) for k, p in model.named_parameters() if p.grad is not None}


def losses(name, head, model, config, inputs, extra):
    """transformers' loss for int (cross-entropy) and float (BCE) labels, with the labels used."""
    cases = loss_cases(head, config)
    out = {}
    with torch.no_grad():
        for kind, labels in cases.items():
            result = model(**inputs, **extra, **labels)
            entry = {k: v.tolist() for k, v in labels.items()}
            entry["loss"] = result.loss.item()
            if kind == "mlm":
                entry["mlm_loss"] = result.mlm_loss.item()
                entry["mep_loss"] = result.mep_loss.item()
            out[f"{name}/{head}/{kind}"] = entry
    return out


if __name__ == "__main__":
    main()
