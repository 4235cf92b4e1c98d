package interop

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// nginxConf is a minimal reverse proxy for WebSocket: %[1]s is the prefix directory,
// %[2]d the port to listen on, %[3]s the backend's host:port.
const nginxConf = `daemon off;
master_process on;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 128; }
http {
    access_log off;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen 127.0.0.1:%[2]d;
        location / {
            proxy_pass http://%[3]s;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_read_timeout 60s;
            proxy_send_timeout 60s;
        }
    }
}
`

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startNginx runs nginx in front of backend (host:port) and returns its address.
func startNginx(t *testing.T, ctx context.Context, backend string) string {
	t.Helper()
	bin, err := nginxPath()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Workers may run as an unprivileged user when the test runs as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "nginx.conf")
	errorLog := filepath.Join(dir, "error.log")
	for attempt := 1; attempt <= 3; attempt++ {
		port := freePort(t)
		if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, dir, port, backend), 0o644); err != nil {
			t.Fatal(err)
		}
		p := startProc(t, ctx, nil, bin, "-p", dir+"/", "-c", conf, "-e", errorLog)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				t.Cleanup(func() {
					if t.Failed() {
						log, _ := os.ReadFile(errorLog)
						t.Logf("nginx error.log:\n%s", log)
					}
				})
				return addr
			}
			if ended, _ := p.exited(); ended {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		log, _ := os.ReadFile(errorLog)
		t.Logf("nginx attempt %d on port %d failed:\n%s\n%s", attempt, port, p.stderrText(), log)
		_ = killGroup(p.cmd)
	}
	t.Fatal("nginx did not start")
	return ""
}
