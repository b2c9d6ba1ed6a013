#!/usr/bin/env bash
# End-to-end check of `kroute webhook` in a real cluster: installs deploy/, then applies a
# good and a bad Istio VirtualService and asserts the webhook admits the first and denies
# the second. Uses the current kubectl context (or $KUBECONFIG); skips, exit 0, when there
# is none.
#
# Prerequisites: kubectl, and cert-manager in the cluster (INSTALL_CERT_MANAGER=1 installs
# it). Without Istio, a minimal VirtualService CRD is installed so the objects can exist.
#
# Environment:
#   KROUTE_IMAGE   image to run (default kroute:0.1.0)
#   BUILD_IMAGE=1  build KROUTE_IMAGE from this repository's Dockerfile with docker first
#   KIND_CLUSTER   load the image into this kind cluster (kind load docker-image)
#   INSTALL_CERT_MANAGER=1  install cert-manager $CERT_MANAGER_VERSION if it is missing
#   KEEP=1         leave kroute and the test namespace installed afterwards
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

image="${KROUTE_IMAGE:-kroute:0.1.0}"
cert_manager_version="${CERT_MANAGER_VERSION:-v1.16.2}"
namespace="kroute-e2e"

log() { printf '==> %s\n' "$*"; }
fail() {
    printf 'webhook-e2e: FAIL: %s\n' "$*" >&2
    exit 1
}

if ! command -v kubectl >/dev/null 2>&1; then
    echo "webhook-e2e: skipped: kubectl is not installed"
    exit 0
fi
if ! kubectl config current-context >/dev/null 2>&1; then
    echo "webhook-e2e: skipped: no kubeconfig context (set KUBECONFIG or create a kind cluster)"
    exit 0
fi
log "cluster: $(kubectl config current-context)"

if [[ "${BUILD_IMAGE:-0}" == 1 ]]; then
    log "docker build -t ${image}"
    docker build -t "${image}" .
fi
if [[ -n "${KIND_CLUSTER:-}" ]]; then
    log "kind load docker-image ${image} --name ${KIND_CLUSTER}"
    kind load docker-image "${image}" --name "${KIND_CLUSTER}"
fi

if ! kubectl get crd certificates.cert-manager.io >/dev/null 2>&1; then
    [[ "${INSTALL_CERT_MANAGER:-0}" == 1 ]] ||
        fail "cert-manager is not installed (INSTALL_CERT_MANAGER=1 installs ${cert_manager_version})"
    log "installing cert-manager ${cert_manager_version}"
    kubectl apply -f "https://github.com/cert-manager/cert-manager/releases/download/${cert_manager_version}/cert-manager.yaml"
    kubectl -n cert-manager wait --for=condition=Available deployment --all --timeout=300s
fi

if ! kubectl get crd virtualservices.networking.istio.io >/dev/null 2>&1; then
    log "no Istio: installing a minimal VirtualService CRD for the test"
    kubectl apply -f - <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: virtualservices.networking.istio.io
spec:
  group: networking.istio.io
  scope: Namespaced
  names: {kind: VirtualService, plural: virtualservices, singular: virtualservice}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
YAML
    kubectl wait --for=condition=Established crd/virtualservices.networking.istio.io --timeout=60s
fi

cleanup() {
    if [[ "${KEEP:-0}" != 1 ]]; then
        log "cleaning up (KEEP=1 keeps everything)"
        kubectl delete namespace "${namespace}" --ignore-not-found --wait=false
        kubectl delete -k deploy/ --ignore-not-found --wait=false
    fi
}
trap cleanup EXIT

log "kubectl apply -k deploy/ (image ${image})"
kubectl apply -k deploy/
kubectl -n kroute-system set image deployment/kroute-webhook "kroute=${image}"
kubectl -n kroute-system rollout status deployment/kroute-webhook --timeout=300s

log "waiting for cert-manager to inject the CA into the webhook configuration"
for _ in $(seq 60); do
    ca="$(kubectl get validatingwebhookconfiguration kroute -o jsonpath='{.webhooks[0].clientConfig.caBundle}')"
    [[ -n "${ca}" ]] && break
    sleep 2
done
[[ -n "${ca:-}" ]] || fail "no caBundle in ValidatingWebhookConfiguration kroute after 120 s"

kubectl create namespace "${namespace}" --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f - <<YAML
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${namespace}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
YAML

# The watch sees the Service within moments; a few tries absorb that delay.
apply_vs() {
    kubectl apply -f - 2>&1 <<YAML
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: $1, namespace: ${namespace}}
spec:
  hosts: [web]
  http:
    - route:
        - destination: {host: $2, port: {number: 80}}
YAML
}

log "a VirtualService routing to Service web is admitted"
for try in $(seq 10); do
    if out="$(apply_vs good web)"; then
        break
    fi
    ((try < 10)) || fail "the good VirtualService was refused: ${out}"
    sleep 3
done

log "a VirtualService routing to a missing Service is denied"
if out="$(apply_vs bad wbe)"; then
    fail "the bad VirtualService was admitted: ${out}"
fi
grep -q "denied the request" <<<"${out}" || fail "refused, but not by the webhook: ${out}"
grep -q "KR303" <<<"${out}" || fail "denied without KR303: ${out}"
printf '%s\n' "${out}"

log "webhook-e2e: OK"
