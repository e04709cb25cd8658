# Parameter counts of tensorflow_similarity 0.18's default contrastive heads
# (packages/models/test/contrastive/python-heads.ts; paste this script's output there):
# get_projector / get_predictor are taken from its contrastive_model.py as they
# are; ActivationStdLoggingLayer (no weights) is stood in by a pass-through layer.
import os, json, re
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
src = open("/tmp/tfsim-py/tensorflow_similarity/models/contrastive_model.py").read()
start = src.index("BN_EPSILON =")
end = src.index("def create_contrastive_model")
class ActivationStdLoggingLayer(tf.keras.layers.Layer):
    def call(self, x):
        return x
ns = {"tf": tf, "ActivationStdLoggingLayer": ActivationStdLoggingLayer}
exec(src[start:end], ns)
def describe(m):
    tr = sum(int(tf.size(w)) for w in m.trainable_weights)
    nt = sum(int(tf.size(w)) for w in m.non_trainable_weights)
    return dict(total=m.count_params(), trainable=tr, nonTrainable=nt,
                layers=[[l.name, l.count_params()] for l in m.layers])
out = {}
for d in (64, 512):
    out[f"projector_in{d}_layers2"] = describe(ns["get_projector"](input_dim=d, num_layers=2))
out["projector_in64_layers3"] = describe(ns["get_projector"](input_dim=64))
out["predictor_in512"] = describe(ns["get_predictor"](input_dim=512))
out["predictor_in32_hidden8"] = describe(ns["get_predictor"](input_dim=32, hidden_dim=8))
print(json.dumps(out, indent=1))
