package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const existingCreds = `# my keys, do not share
[default]
aws_access_key_id = AKIADEFAULTDEFAULT00
aws_secret_access_key = defaultsecret   ; trailing comment

[work]   # the office account
aws_access_key_id=AKIAWORKWORKWORK0000
aws_secret_access_key=worksecret
aws_session_token = tok
`

const existingConfig = `[default]
region = eu-west-1

[profile work]
region = eu-central-1
role_arn = arn:aws:iam::123456789012:role/x
; keep me
`

func files(t *testing.T, creds, conf string) Files {
	t.Helper()
	dir := t.TempDir()
	f := Files{Credentials: filepath.Join(dir, "aws", "credentials"), Config: filepath.Join(dir, "aws", "config")}
	if creds != "" || conf != "" {
		if err := os.MkdirAll(filepath.Dir(f.Credentials), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.Credentials, []byte(creds), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.Config, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var myProfile = Profile{Name: "my-profile", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Region: "us-east-1", Output: "json"}

func TestWriteNewFilesAre0600In0700Dir(t *testing.T) {
	f := files(t, "", "")
	if _, err := Write(f, myProfile, false); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{f.Credentials, f.Config} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v err %v, want 0600", p, st.Mode().Perm(), err)
		}
	}
	if st, _ := os.Stat(filepath.Dir(f.Credentials)); st.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v, want 0700", st.Mode().Perm())
	}
	wantCreds := "[my-profile]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
	if got := read(t, f.Credentials); got != wantCreds {
		t.Fatalf("credentials:\n%q\nwant\n%q", got, wantCreds)
	}
	if got := read(t, f.Config); got != "[profile my-profile]\nregion = us-east-1\noutput = json\n" {
		t.Fatalf("config: %q", got)
	}
}

func TestWritePreservesEverythingElseByteForByte(t *testing.T) {
	f := files(t, existingCreds, existingConfig)
	rep, err := Write(f, myProfile, false)
	if err != nil {
		t.Fatal(err)
	}
	creds, conf := read(t, f.Credentials), read(t, f.Config)
	if !strings.HasPrefix(creds, existingCreds) || creds[len(existingCreds):] != "\n[my-profile]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n" {
		t.Fatalf("credentials changed other bytes:\n%s", creds)
	}
	if !strings.HasPrefix(conf, existingConfig) || conf[len(existingConfig):] != "\n[profile my-profile]\nregion = us-east-1\noutput = json\n" {
		t.Fatalf("config changed other bytes:\n%s", conf)
	}
	// The config file keeps its mode; the credentials file, which the
	// group could read, now holds a secret and is narrowed, and says so.
	if st, _ := os.Stat(f.Config); st.Mode().Perm() != 0o644 {
		t.Fatalf("mode of the config file changed to %v", st.Mode().Perm())
	}
	if st, _ := os.Stat(f.Credentials); st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode %v, want 0600", st.Mode().Perm())
	}
	if len(rep.Tightened) != 1 || rep.Tightened[0] != (Tightened{Path: f.Credentials, From: 0o640, To: 0o600}) {
		t.Fatalf("report %+v", rep)
	}
}

func TestPrivateCredentialsFileKeepsItsModeAndNoReport(t *testing.T) {
	f := files(t, existingCreds, existingConfig)
	if err := os.Chmod(f.Credentials, 0o400); err != nil {
		t.Fatal(err)
	}
	rep, err := Write(f, myProfile, false)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(f.Credentials); st.Mode().Perm() != 0o400 || len(rep.Tightened) != 0 {
		t.Fatalf("mode %v, report %+v: want 0400 kept and nothing reported", st.Mode().Perm(), rep)
	}
}

// TestWritesThroughSymlinks: a credentials file kept elsewhere (a dotfiles
// repository) and linked from ~/.aws stays a link; its target is written,
// atomically, and narrowed to 0600. A link to a file not made yet makes it.
func TestWritesThroughSymlinks(t *testing.T) {
	dir := t.TempDir()
	dotfiles := filepath.Join(dir, "dotfiles")
	if err := os.MkdirAll(dotfiles, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dotfiles, "aws-credentials")
	if err := os.WriteFile(target, []byte(existingCreds), 0o644); err != nil {
		t.Fatal(err)
	}
	awsDir := filepath.Join(dir, "aws")
	if err := os.MkdirAll(awsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := Files{Credentials: filepath.Join(awsDir, "credentials"), Config: filepath.Join(awsDir, "config")}
	if err := os.Symlink("../dotfiles/aws-credentials", f.Credentials); err != nil {
		t.Fatal(err)
	}
	// The config links to a file that does not exist yet.
	confTarget := filepath.Join(dotfiles, "aws-config")
	if err := os.Symlink(confTarget, f.Config); err != nil {
		t.Fatal(err)
	}
	rep, err := Write(f, myProfile, false)
	if err != nil {
		t.Fatal(err)
	}
	for link, want := range map[string]string{f.Credentials: "../dotfiles/aws-credentials", f.Config: confTarget} {
		if got, err := os.Readlink(link); err != nil || got != want {
			t.Fatalf("%s is no longer a link to %s: %q, %v", link, want, got, err)
		}
	}
	if got := read(t, target); !strings.HasPrefix(got, existingCreds) || !strings.Contains(got, "[my-profile]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n") {
		t.Fatalf("target: %q", got)
	}
	if got := read(t, confTarget); got != "[profile my-profile]\nregion = us-east-1\noutput = json\n" {
		t.Fatalf("config target: %q", got)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Fatalf("target mode %v, want 0600", st.Mode().Perm())
	}
	if len(rep.Tightened) != 1 || rep.Tightened[0].Path != target || rep.Tightened[0].From != 0o644 {
		t.Fatalf("report %+v", rep)
	}
	// No temporary file was left in either directory.
	for _, d := range []string{dotfiles, awsDir} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".spk-") {
				t.Fatalf("temporary file left behind: %s", filepath.Join(d, e.Name()))
			}
		}
	}
}

func TestRefusesExistingProfileWithoutForce(t *testing.T) {
	f := files(t, existingCreds, existingConfig)
	p := myProfile
	p.Name = "work"
	if _, err := Write(f, p, false); !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	if read(t, f.Credentials) != existingCreds || read(t, f.Config) != existingConfig {
		t.Fatal("a refused write changed the files")
	}
}

func TestForceUpdatesOnlyThatProfile(t *testing.T) {
	f := files(t, existingCreds, existingConfig)
	p := myProfile
	p.Name = "work"
	if _, err := Write(f, p, true); err != nil {
		t.Fatal(err)
	}
	wantCreds := strings.Replace(strings.Replace(existingCreds,
		"aws_access_key_id=AKIAWORKWORKWORK0000\n", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", 1),
		"aws_secret_access_key=worksecret\n", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", 1)
	if got := read(t, f.Credentials); got != wantCreds {
		t.Fatalf("credentials:\n%s\nwant\n%s", got, wantCreds)
	}
	wantConf := strings.Replace(existingConfig, "region = eu-central-1\n", "region = us-east-1\n", 1)
	wantConf = strings.Replace(wantConf, "; keep me\n", "; keep me\noutput = json\n", 1)
	if got := read(t, f.Config); got != wantConf {
		t.Fatalf("config:\n%s\nwant\n%s", got, wantConf)
	}
}

func TestDefaultProfileUsesDefaultSection(t *testing.T) {
	f := files(t, "", "")
	p := myProfile
	p.Name = "default"
	if _, err := Write(f, p, false); err != nil {
		t.Fatal(err)
	}
	if got := read(t, f.Config); !strings.HasPrefix(got, "[default]\n") {
		t.Fatalf("config: %q", got)
	}
}

func TestCRLFFilesStayCRLF(t *testing.T) {
	f := files(t, "[a]\r\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\r\n", "[profile a]\r\nregion = us-east-1\r\n")
	if _, err := Write(f, myProfile, false); err != nil {
		t.Fatal(err)
	}
	if got := read(t, f.Credentials); strings.Count(got, "\r\n") != strings.Count(got, "\n") {
		t.Fatalf("mixed line endings: %q", got)
	}
}

func TestLocalProfileHasEndpoint(t *testing.T) {
	f := files(t, "", "")
	p := Profile{Name: "local", AccessKeyID: "spk", SecretAccessKey: "spk", Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"}
	if _, err := Write(f, p, false); err != nil {
		t.Fatal(err)
	}
	if got := read(t, f.Config); !strings.Contains(got, "endpoint_url = http://127.0.0.1:4566\n") {
		t.Fatalf("config: %q", got)
	}
}

func TestValidationWritesNothing(t *testing.T) {
	cases := []struct {
		name string
		p    Profile
		want string
	}{
		{"bad name", Profile{Name: "my profile", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s"}, `profile name "my profile"`},
		{"no key", Profile{Name: "p", SecretAccessKey: "s"}, "no access key id given"},
		{"short key", Profile{Name: "p", AccessKeyID: "AKIA", SecretAccessKey: "s"}, "16 to 128 letters and digits"},
		{"no secret", Profile{Name: "p", AccessKeyID: "AKIAIOSFODNN7EXAMPLE"}, "no secret access key given"},
		{"a secret on two lines", Profile{Name: "p", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI"}, "the secret access key holds a space, a line break"},
		{"a secret with a space", Profile{Name: "p", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalr XUtnFEMI"}, "the secret access key holds a space"},
		{"an endpoint's key on two lines", Profile{Name: "p", AccessKeyID: "spk\nx", SecretAccessKey: "spk", EndpointURL: "http://127.0.0.1:4566"}, "the access key id holds a space, a line break"},
		{"bad region", Profile{Name: "p", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s", Region: "Mars"}, `region "Mars"`},
		{"bad output", Profile{Name: "p", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s", Output: "xml"}, `output format "xml"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := files(t, "", "")
			_, err := Write(f, c.p, false)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "wJalr") {
				t.Fatal("error contains the secret")
			}
			for _, p := range []string{f.Credentials, f.Config} {
				if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("%s was created", p)
				}
			}
		})
	}
}

func TestFailedConfigWriteRollsBackCredentials(t *testing.T) {
	f := files(t, existingCreds, existingConfig)
	// Make the config path a directory so writing it fails.
	if err := os.Remove(f.Config); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(f.Config, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(f, myProfile, false); err == nil {
		t.Fatal("write succeeded")
	}
	if got := read(t, f.Credentials); got != existingCreds {
		t.Fatalf("credentials not rolled back:\n%s", got)
	}
}
