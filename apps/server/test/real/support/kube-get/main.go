// kube-get: a pod-side client for the real-workloads test. It reads a URL with the pod's
// service-account token and the cluster CA the kubelet mounts, as an in-cluster client does,
// and prints the HTTP status and body. Busybox's wget cannot complete TLS with Go's TLS stack.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

const sa = "/var/run/secrets/kubernetes.io/serviceaccount"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kube-get URL")
		os.Exit(2)
	}
	token, err := os.ReadFile(sa + "/token")
	check(err)
	ca, err := os.ReadFile(sa + "/ca.crt")
	check(err)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		check(fmt.Errorf("no certificate in %s/ca.crt", sa))
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, err := http.NewRequest("GET", os.Args[1], nil)
	check(err)
	req.Header.Set("Authorization", "Bearer "+string(token))
	res, err := client.Do(req)
	check(err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	check(err)
	fmt.Printf("HTTP %d\n%s\n", res.StatusCode, body)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "kube-get:", err)
		os.Exit(1)
	}
}
