//! PostgreSQL over TCP with a password and TLS, as a desk at another machine would connect:
//! the password comes from `[database] password_file` (a URL holding one is refused); with
//! `sslmode=verify-full` the server's certificate is checked against the CA file, so a server
//! with a certificate from another CA is refused, as is a wrong password. Its own test binary:
//! it turns TLS on for the whole throwaway cluster.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl").current_dir(dir).args(args).output().unwrap();
    assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
}

/// A CA named `name` in `dir`: `name.pem` and `name.key`.
fn ca(dir: &Path, name: &str) {
    let (pem, key, subject) = (format!("{name}.pem"), format!("{name}.key"), format!("/CN={name}"));
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", &subject,
            "-keyout", &key, "-out", &pem,
        ],
    );
}

#[test]
fn a_password_file_and_a_checked_certificate_or_nothing() {
    let Some(pg) = common::pg::server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ca(d, "library-ca");
    ca(d, "other-ca");
    // The server's certificate, for 127.0.0.1, signed by the library's CA.
    std::fs::write(d.join("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "library-ca.pem",
            "-CAkey",
            "library-ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ],
    );
    // The server reads its key as the postgres OS user, and only from a private file.
    let serving = pg_private_copy(d);
    let file = |f: &str| serving.path().join(f).display().to_string();
    pg.admin(&format!("ALTER SYSTEM SET ssl_cert_file = '{}'", file("server.pem")));
    pg.admin(&format!("ALTER SYSTEM SET ssl_key_file = '{}'", file("server.key")));
    pg.admin("ALTER SYSTEM SET ssl = on");
    pg.admin("SELECT pg_reload_conf()");
    std::thread::sleep(std::time::Duration::from_millis(500));

    let url = pg.fresh_database();
    pg.admin("DO $$ BEGIN CREATE ROLE tls_desk LOGIN PASSWORD 'correct horse'; EXCEPTION WHEN duplicate_object THEN NULL; END $$;");
    pg.admin(&format!(
        "GRANT ALL ON DATABASE {} TO tls_desk",
        url.split('/').nth(3).unwrap().split('?').next().unwrap()
    ));
    // carrel's schema, made by the owner over the socket.
    let home = tempfile::tempdir().unwrap();
    let o = common::carrel_in(home.path()).args(["init", "--db", &url]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));

    let o = common::carrel_in(home.path())
        .args(["--db", &pg.url_as(&url, "tls_desk"), "status"])
        .output()
        .unwrap();
    assert!(text(&o).contains("not a staff login yet"), "{}", text(&o));
    pg.admin("GRANT carrel_staff TO tls_desk");
    let password = home.path().join("db.password");
    std::fs::write(&password, "correct horse\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = home.path().join("carrel.toml");
    let write_config = |ca: &str| {
        std::fs::write(
            &config,
            format!(
                "[database]\npassword_file = \"{}\"\nca_file = \"{}\"\n",
                password.display(),
                d.join(ca).display()
            ),
        )
        .unwrap();
    };
    let tcp = pg.tcp_url(&url, "tls_desk");
    let run = |url: &str| {
        common::carrel_in(home.path())
            .args(["--config", config.to_str().unwrap(), "--db", url, "status"])
            .output()
            .unwrap()
    };

    write_config("library-ca.pem");
    let checked = format!("{tcp}?sslmode=verify-full");
    let o = run(&checked);
    assert!(
        text(&o).contains("schema v"),
        "TLS with the library's CA and the password: {}",
        text(&o)
    );

    write_config("other-ca.pem");
    let o = run(&checked);
    assert!(!o.status.success(), "a certificate from another CA: {}", text(&o));
    assert!(text(&o).contains("unreachable"), "{}", text(&o));

    write_config("library-ca.pem");
    std::fs::write(&password, "wrong horse\n").unwrap();
    let o = run(&checked);
    assert!(!o.status.success(), "a wrong password: {}", text(&o));
    assert!(!text(&o).contains("wrong horse"), "{}", text(&o));

    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = run(&checked);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("chmod 600"), "{}", text(&o));

    let o = run(&tcp.replace("tls_desk@", "tls_desk:correct%20horse@"));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!text(&o).contains("correct"), "the password is never echoed: {}", text(&o));
}

/// The server's certificate and key in a directory of the postgres OS user's, mode 0600, as
/// the server demands of its key.
fn pg_private_copy(from: &Path) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new().prefix("carrel-tls-").tempdir().unwrap();
    for f in ["server.pem", "server.key"] {
        std::fs::copy(from.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::set_permissions(dir.path().join("server.key"), std::fs::Permissions::from_mode(0o600))
        .unwrap();
    if uzers::get_effective_uid() == 0 {
        let o =
            Command::new("chown").args(["-R", "postgres", dir.path().to_str().unwrap()]).output();
        assert!(o.unwrap().status.success());
    }
    dir
}
