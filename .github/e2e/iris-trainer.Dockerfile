# The iris example's training image (examples/iris/trainingjob.yaml): its train.py with
# scikit-learn and onnx, run as `python3 /workspace/train.py`. Built from the repository
# root by the kind workflow.
# The digest is one seen in public Dockerfiles; Renovate or Dependabot keeps it current.
FROM python:3.12-slim-bookworm@sha256:782412e85d0f0984994c290652577d4018aff08145c85b262bb63dc0c7522254
RUN pip install --no-cache-dir numpy==2.1.* scikit-learn==1.5.* onnx==1.17.*
COPY examples/iris/train.py /workspace/train.py
USER 65532:65532
ENTRYPOINT ["python3", "/workspace/train.py"]
