// Small static programs baked into the test cluster's images (test/cluster):
// the pod sandbox (pause) and a test workload. Standard library only.
module harbor-image-webhook/test/cluster/images

go 1.24.0
