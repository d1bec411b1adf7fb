package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/offermail/offermail/batch"
)

// The deployment files are checked against the command itself: every
// mailpreview command line in them must parse with this binary's flags,
// so the manifests cannot drift from the CLI.
const deployDir = "../../deploy"

// manifest is one YAML document of deploy/k8s.
type manifest struct {
	file string
	doc  map[string]any
}

func (m manifest) kind() string { s, _ := m.doc["kind"].(string); return s }
func (m manifest) name() string { s, _ := dig(m.doc, "metadata", "name").(string); return s }

// dig walks maps by key and lists by index ("0").
func dig(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func readManifests(t *testing.T) []manifest {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(deployDir, "k8s", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no manifests in deploy/k8s")
	}
	var out []manifest
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: not YAML: %v", f, err)
			}
			m := manifest{file: filepath.Base(f), doc: doc}
			if doc["apiVersion"] == nil || m.kind() == "" || m.name() == "" {
				t.Errorf("%s: a document without apiVersion, kind or metadata.name", f)
			}
			out = append(out, m)
		}
	}
	return out
}

// containers returns the pod template's containers of a workload.
func containers(m manifest) []map[string]any {
	var out []map[string]any
	list, _ := dig(m.doc, "spec", "template", "spec", "containers").([]any)
	for _, c := range list {
		if cm, ok := c.(map[string]any); ok {
			out = append(out, cm)
		}
	}
	return out
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = strings.TrimSpace(x.(string))
	}
	return out
}

// argv is a mailpreview command line of a container: the args themselves
// for the api image (its entrypoint is mailpreview), the shell line of the
// job image with JOB_COMPLETION_INDEX set to index.
func argv(t *testing.T, c map[string]any, index int) []string {
	t.Helper()
	args := strs(c["args"])
	image, _ := c["image"].(string)
	if !strings.HasSuffix(image, ":job") {
		return args
	}
	if len(args) != 1 {
		t.Fatalf("%s: a job container takes one shell line, got %q", image, args)
	}
	line := strings.ReplaceAll(args[0], "$((JOB_COMPLETION_INDEX+1))", strconv.Itoa(index+1))
	if strings.Contains(line, "$") {
		t.Fatalf("%s: the shell line uses more than the shard index: %s", image, line)
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "exec" || f[1] != "mailpreview" {
		t.Fatalf("%s: the shell line must be exec mailpreview …, is %q", image, line)
	}
	return f[2:]
}

// parse checks a command line against the command's own flags and
// returns the flags given.
func parse(t *testing.T, where string, args []string) (string, map[string]string) {
	t.Helper()
	root := newRoot(io.Discard, io.Discard)
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Fatalf("%s: %q is not a mailpreview command: %v", where, args, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("%s: mailpreview %s does not take %q: %v", where, cmd.Name(), rest, err)
	}
	flags := map[string]string{}
	for _, a := range rest {
		if k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "="); ok && strings.HasPrefix(a, "--") {
			flags[k] = v
		}
	}
	for i := 0; i+1 < len(rest); i++ {
		if strings.HasPrefix(rest[i], "--") && !strings.Contains(rest[i], "=") && !strings.HasPrefix(rest[i+1], "--") {
			flags[strings.TrimPrefix(rest[i], "--")] = rest[i+1]
		}
	}
	return cmd.CommandPath(), flags
}

// TestManifests: the Kubernetes manifests parse as YAML; the Deployment
// runs `mailpreview api` on Redis with probes on the routes that exist
// and N replicas; the Indexed Job runs shard K of N in pod K-1 with one
// --at and the same Redis; the merge Job merges exactly those shards;
// everything runs as non-root; and every command line parses with the
// command's flags.
func TestManifests(t *testing.T) {
	ms := readManifests(t)
	byKind := map[string][]manifest{}
	for _, m := range ms {
		byKind[m.kind()] = append(byKind[m.kind()], m)
		if c := containers(m); len(c) > 0 {
			if dig(m.doc, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
				t.Errorf("%s %s: pods must run as non-root", m.file, m.name())
			}
			for _, cc := range c {
				if dig(cc, "securityContext", "allowPrivilegeEscalation") != false {
					t.Errorf("%s %s: container %v may escalate privileges", m.file, m.name(), cc["name"])
				}
			}
		}
	}
	stores := map[string]bool{}
	redisService := false
	for _, m := range byKind["Service"] {
		if m.name() == "offermail-redis" {
			redisService = true
		}
	}
	if !redisService {
		t.Errorf("no Service offermail-redis for the store URLs to name")
	}

	// The API.
	var deployment *manifest
	for i, m := range byKind["Deployment"] {
		if m.name() == "offermail-api" {
			deployment = &byKind["Deployment"][i]
		}
	}
	if deployment == nil {
		t.Fatal("no Deployment offermail-api")
	}
	if r, _ := dig(deployment.doc, "spec", "replicas").(int); r < 2 {
		t.Errorf("the API Deployment has %d replicas, want several on one Redis", r)
	}
	api := containers(*deployment)[0]
	path, flags := parse(t, "api.yaml", argv(t, api, 0))
	if path != "mailpreview api" {
		t.Fatalf("the Deployment runs %q, want mailpreview api", path)
	}
	stores[flags["store"]] = true
	_, port, err := net.SplitHostPort(flags["addr"])
	if err != nil || port != "8026" || flags["keys"] == "" {
		t.Errorf("api flags %v: want --addr on port 8026 and --keys", flags)
	}
	if dig(api, "ports", "0", "containerPort") != 8026 || dig(api, "ports", "0", "name") != "http" {
		t.Errorf("the api container must expose 8026 as http: %v", api["ports"])
	}
	for probe, route := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		if dig(api, probe, "httpGet", "path") != route || dig(api, probe, "httpGet", "port") != "http" {
			t.Errorf("%s = %v, want GET %s on http", probe, api[probe], route)
		}
	}
	mounted := false
	for _, v := range api["volumeMounts"].([]any) {
		if mp, _ := dig(v, "mountPath").(string); strings.HasPrefix(flags["keys"], mp+"/") {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("--keys %s is not on a mounted volume", flags["keys"])
	}

	// The batch shards and their merge.
	var shardOuts []string
	var job, merge *manifest
	for i, m := range byKind["Job"] {
		if dig(m.doc, "spec", "completionMode") == "Indexed" {
			job = &byKind["Job"][i]
		} else {
			merge = &byKind["Job"][i]
		}
	}
	if job == nil || merge == nil {
		t.Fatal("want an Indexed Job of shards and a Job that merges their reports")
	}
	n, _ := dig(job.doc, "spec", "completions").(int)
	if n < 2 || dig(job.doc, "spec", "parallelism") != n {
		t.Errorf("the Indexed Job has completions %d and parallelism %v, want N ≥ 2 of both", n, dig(job.doc, "spec", "parallelism"))
	}
	ats := map[string]bool{}
	for index := 0; index < n; index++ {
		path, flags := parse(t, "batch-job.yaml", argv(t, containers(*job)[0], index))
		if path != "mailpreview batch" {
			t.Fatalf("the Job runs %q, want mailpreview batch", path)
		}
		s, err := batch.ParseShard(flags["shard"])
		if err != nil || s.K != index+1 || s.N != n {
			t.Errorf("pod %d runs --shard %q, want %d/%d", index, flags["shard"], index+1, n)
		}
		if _, err := time.Parse(time.RFC3339, flags["at"]); err != nil {
			t.Errorf("pod %d: --at %q: %v", index, flags["at"], err)
		}
		ats[flags["at"]] = true
		stores[flags["store"]] = true
		shardOuts = append(shardOuts, flags["out"])
	}
	if len(ats) != 1 {
		t.Errorf("shards decide at %v, want one --at", ats)
	}
	path, _ = parse(t, "batch-merge.yaml", argv(t, containers(*merge)[0], 0))
	mergeArgs := argv(t, containers(*merge)[0], 0)
	if path != "mailpreview report merge" || strings.Join(mergeArgs[len(mergeArgs)-n:], " ") != strings.Join(shardOuts, " ") {
		t.Errorf("the merge runs %q, want mailpreview report merge of %v", mergeArgs, shardOuts)
	}
	if len(stores) != 1 {
		t.Errorf("stores %v: the API and the shards must share one Redis", stores)
	}
	for s := range stores {
		if !regexp.MustCompile(`^redis://offermail-redis:6379/\d+$`).MatchString(s) {
			t.Errorf("store %q is not the offermail-redis Service", s)
		}
	}
}

// TestDockerfile: both targets are distroless and run as a non-root user;
// the api image's default command parses; the job image's entrypoint is
// the shell the Job's lines need.
func TestDockerfile(t *testing.T) {
	f, err := os.Open(filepath.Join(deployDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stages := map[string]map[string]string{}
	var cur map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "FROM":
			fields := strings.Fields(rest)
			cur = map[string]string{"FROM": fields[0]}
			stages[fields[len(fields)-1]] = cur
		case "USER", "ENTRYPOINT", "CMD":
			cur[word] = rest
		}
	}
	for _, target := range []string{"api", "job"} {
		st := stages[target]
		if st == nil {
			t.Fatalf("no target %q", target)
		}
		if !strings.HasPrefix(st["FROM"], "gcr.io/distroless/") {
			t.Errorf("target %s is FROM %s, want distroless", target, st["FROM"])
		}
		if u := st["USER"]; u == "" || strings.HasPrefix(u, "0") || strings.HasPrefix(u, "root") {
			t.Errorf("target %s runs as %q, want a non-root user", target, u)
		}
	}
	var cmd []string
	if err := json.Unmarshal([]byte(stages["api"]["CMD"]), &cmd); err != nil {
		t.Fatalf("api CMD %s: %v", stages["api"]["CMD"], err)
	}
	if path, _ := parse(t, "Dockerfile", cmd); path != "mailpreview api" {
		t.Errorf("the api image runs %q", path)
	}
	if stages["job"]["ENTRYPOINT"] != `["/busybox/sh", "-c"]` {
		t.Errorf("the job image's entrypoint is %s, want the shell of its Job lines", stages["job"]["ENTRYPOINT"])
	}
}
