//! Name checks: DNS-1035 and DNS-1123 labels as Kubernetes and Knative validate them.
