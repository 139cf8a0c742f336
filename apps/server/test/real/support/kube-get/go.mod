module corral.local/kube-get

go 1.26
