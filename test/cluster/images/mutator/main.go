// Command mutator is a minimal mutating admission webhook for the test
// cluster: it answers every AdmissionReview (admission.k8s.io/v1) on
// POST /mutate over TLS with "allowed" and a JSON Patch that adds the
// annotation harbor-node.test/mutated=true. It stands in for the product to
// prove the control-plane path a real webhook takes on the node: the
// apiserver calling a Pod through its Service, verified by the caBundle.
package main

import (
	"encoding/base64"
	"encoding/json"
	"log"
	"net/http"
	"os"
)

type admissionReview struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Request    *admissionRequest  `json:"request,omitempty"`
	Response   *admissionResponse `json:"response,omitempty"`
}

type admissionRequest struct {
	UID    string `json:"uid"`
	Object struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	} `json:"object"`
}

type admissionResponse struct {
	UID       string `json:"uid"`
	Allowed   bool   `json:"allowed"`
	PatchType string `json:"patchType,omitempty"`
	Patch     string `json:"patch,omitempty"`
}

func main() {
	dir := os.Getenv("MUTATOR_TLS_DIR")
	if dir == "" {
		dir = "/tls"
	}
	http.HandleFunc("/mutate", mutate)
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	log.Printf("mutator: listening on :8443")
	log.Fatal(http.ListenAndServeTLS(":8443", dir+"/tls.crt", dir+"/tls.key", nil))
}

func mutate(w http.ResponseWriter, r *http.Request) {
	var review admissionReview
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&review); err != nil || review.Request == nil {
		http.Error(w, "expected an AdmissionReview with a request", http.StatusBadRequest)
		return
	}
	var patch []map[string]any
	if review.Request.Object.Metadata.Annotations == nil {
		patch = append(patch, map[string]any{"op": "add", "path": "/metadata/annotations", "value": map[string]string{}})
	}
	patch = append(patch, map[string]any{"op": "add", "path": "/metadata/annotations/harbor-node.test~1mutated", "value": "true"})
	encoded, _ := json.Marshal(patch)
	log.Printf("mutator: request %s patched", review.Request.UID)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(admissionReview{
		APIVersion: review.APIVersion,
		Kind:       review.Kind,
		Response: &admissionResponse{
			UID:       review.Request.UID,
			Allowed:   true,
			PatchType: "JSONPatch",
			Patch:     base64.StdEncoding.EncodeToString(encoded),
		},
	})
}
