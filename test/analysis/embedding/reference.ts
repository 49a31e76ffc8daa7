/** The scikit-learn / NumPy reference script of the run-embedding tests. */
import { join } from "node:path";
import { ROOT } from "../../helpers";

export const REFERENCE = join(ROOT, "test", "analysis", "embedding", "embedding_reference.py");
