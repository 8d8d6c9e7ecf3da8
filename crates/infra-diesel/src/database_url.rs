//! The database URL: which backend, where, and a form of it that is safe to log.

use std::fmt;

/// A database URL, checked for a supported scheme. Its `Debug` and `Display` hide any
/// password, so it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

/// The backend a URL selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend<'a> {
    /// `sqlite://relative/path` or `sqlite:///absolute/path`: a file.
    Sqlite { path: &'a str },
    /// `postgres://…` or `postgresql://…`, handed to libpq as it is.
    Postgres,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    #[error("must start with sqlite:// or postgres:// (got {0:?})")]
    UnsupportedScheme(String),
    #[error("a sqlite:// URL needs a file path, e.g. sqlite://data/billing-events.db")]
    MissingPath,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, DatabaseUrlError> {
        let parsed = Self(url.to_owned());
        match parsed.try_backend() {
            Some(Backend::Sqlite { path: "" }) => Err(DatabaseUrlError::MissingPath),
            Some(_) => Ok(parsed),
            None => {
                let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
                Err(DatabaseUrlError::UnsupportedScheme(scheme.to_owned()))
            }
        }
    }

    pub fn backend(&self) -> Backend<'_> {
        // `parse` let only the two schemes through.
        self.try_backend().unwrap_or(Backend::Postgres)
    }

    fn try_backend(&self) -> Option<Backend<'_>> {
        if let Some(path) = self.0.strip_prefix("sqlite://") {
            Some(Backend::Sqlite { path })
        } else if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The server's TCP port a PostgreSQL URL names: a `port` parameter, else the
    /// authority's, else libpq's 5432. (With several hosts, the last one's.)
    pub fn port(&self) -> u16 {
        const LIBPQ_DEFAULT: u16 = 5432;
        let rest = self.0.split_once("://").map_or("", |(_, rest)| rest);
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let parameter = query.split('&').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            name.eq_ignore_ascii_case("port")
                .then(|| value.parse().ok())?
        });
        let authority = before_query.split('/').next().unwrap_or_default();
        let host_port = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let last_host = host_port.rsplit(',').next().unwrap_or_default();
        let in_authority = match last_host.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(':') && !port.ends_with(']') => port.parse().ok(),
            _ => None,
        };
        parameter.or(in_authority).unwrap_or(LIBPQ_DEFAULT)
    }

    /// The URL with its password, for the driver only. Never log this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL for libpq, with the settings that bound how long a dead or unreachable
    /// server can hold a connection, each added unless the URL names it:
    /// `connect_timeout` (whole seconds, at least libpq's 2), without which connecting
    /// to a server that accepts TCP but never answers waits forever; TCP keepalives
    /// (idle 5 s, every 2 s, 3 probes) and `tcp_user_timeout` (`timeout`), without which
    /// a statement sent to a host that died waits for the kernel's defaults (minutes to
    /// hours). A server process that is frozen on a live host is not caught by these,
    /// since its kernel answers for it: the service's own call deadline covers it.
    pub fn for_libpq(&self, timeout: std::time::Duration) -> String {
        let named: Vec<String> = self
            .0
            .split_once('?')
            .map(|(_, query)| {
                query
                    .split('&')
                    .filter_map(|parameter| parameter.split('=').next())
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        let seconds = timeout.as_millis().div_ceil(1000).max(2);
        let millis = timeout.as_millis().max(1);
        let wanted = [
            ("connect_timeout", seconds.to_string()),
            ("keepalives", "1".to_owned()),
            ("keepalives_idle", "5".to_owned()),
            ("keepalives_interval", "2".to_owned()),
            ("keepalives_count", "3".to_owned()),
            ("tcp_user_timeout", millis.to_string()),
        ];
        let mut url = self.0.clone();
        for (name, value) in wanted {
            if !named.iter().any(|given| given == name) {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(name);
                url.push('=');
                url.push_str(&value);
            }
        }
        url
    }

    /// The URL with any password replaced by `***`: the one in the authority
    /// (`user:password@`) and any query parameter whose name mentions a password
    /// (`?password=…`, `sslpassword=…`, in any letter case), as libpq takes both.
    pub fn redacted(&self) -> String {
        let (before_query, query) = match self.0.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (self.0.as_str(), None),
        };
        let mut redacted = redact_authority(before_query);
        if let Some(query) = query {
            let parameters: Vec<String> = query
                .split('&')
                .map(|parameter| match parameter.split_once('=') {
                    Some((name, _)) if name.to_ascii_lowercase().contains("password") => {
                        format!("{name}=***")
                    }
                    _ => parameter.to_owned(),
                })
                .collect();
            redacted.push('?');
            redacted.push_str(&parameters.join("&"));
        }
        redacted
    }
}

/// `scheme://user:***@host…` for `scheme://user:password@host…`.
fn redact_authority(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_gets_bounded_timeouts_unless_the_url_names_them() {
        let timeout = std::time::Duration::from_millis(2_500);
        let url = |text: &str| DatabaseUrl::parse(text).unwrap().for_libpq(timeout);
        let added = "connect_timeout=3&keepalives=1&keepalives_idle=5&keepalives_interval=2\
                     &keepalives_count=3&tcp_user_timeout=2500";
        assert_eq!(url("postgres://h/db"), format!("postgres://h/db?{added}"));
        assert_eq!(
            url("postgres://h1,h2/db?target_session_attrs=read-write"),
            format!("postgres://h1,h2/db?target_session_attrs=read-write&{added}")
        );
        assert!(
            url("postgres://h/db?Connect_Timeout=9")
                .starts_with("postgres://h/db?Connect_Timeout=9&keepalives=1"),
            "a named setting is kept and not repeated"
        );
        assert!(
            DatabaseUrl::parse("postgres://h/db")
                .unwrap()
                .for_libpq(std::time::Duration::from_millis(300))
                .contains("connect_timeout=2&"),
            "libpq's least"
        );
    }

    #[test]
    fn a_postgres_urls_port_is_read_where_libpq_reads_it() {
        for (url, port) in [
            ("postgres://db/billing", 5432),
            ("postgres://billing:pw@db:6543/billing", 6543),
            ("postgres://u:p:w@127.0.0.1:5433/b?sslmode=disable", 5433),
            ("postgresql://[::1]:5434/billing", 5434),
            ("postgresql://[::1]/billing", 5432),
            ("postgres://a:5001,b:5002/billing", 5002),
            ("postgres://db/billing?sslmode=disable&port=7000", 7000),
        ] {
            assert_eq!(DatabaseUrl::parse(url).unwrap().port(), port, "{url}");
        }
    }

    #[test]
    fn the_scheme_selects_the_backend() {
        let relative = DatabaseUrl::parse("sqlite://data/billing-events.db").unwrap();
        assert_eq!(
            relative.backend(),
            Backend::Sqlite {
                path: "data/billing-events.db"
            }
        );
        let absolute = DatabaseUrl::parse("sqlite:///var/lib/billing.db").unwrap();
        assert_eq!(
            absolute.backend(),
            Backend::Sqlite {
                path: "/var/lib/billing.db"
            }
        );
        for url in ["postgres://u@h/db", "postgresql://u@h/db"] {
            assert_eq!(
                DatabaseUrl::parse(url).unwrap().backend(),
                Backend::Postgres
            );
        }
    }

    #[test]
    fn other_schemes_and_empty_paths_are_refused() {
        assert_eq!(
            DatabaseUrl::parse("mysql://localhost/db"),
            Err(DatabaseUrlError::UnsupportedScheme("mysql".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("data.db"),
            Err(DatabaseUrlError::UnsupportedScheme(String::new()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://"),
            Err(DatabaseUrlError::MissingPath)
        );
    }

    #[test]
    fn passwords_never_show_in_debug_or_display() {
        let url = DatabaseUrl::parse("postgres://billing:s3cr3t@db.internal:5432/billing").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://billing:***@db.internal:5432/billing"
        );
        assert!(!format!("{url:?}").contains("s3cr3t"));
        assert_eq!(
            url.expose(),
            "postgres://billing:s3cr3t@db.internal:5432/billing"
        );
        let no_password = DatabaseUrl::parse("postgres://postgres@127.0.0.1/db").unwrap();
        assert_eq!(no_password.to_string(), "postgres://postgres@127.0.0.1/db");
    }

    #[test]
    fn passwords_given_as_parameters_are_hidden_too() {
        let url = DatabaseUrl::parse(
            "postgres://u@h/db?sslmode=require&password=x1&Password=x2&sslpassword=x3&user=u",
        )
        .unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://u@h/db?sslmode=require&password=***&Password=***&sslpassword=***&user=u"
        );
        let both = DatabaseUrl::parse("postgres://u:p@h/db?password=q").unwrap();
        assert_eq!(both.to_string(), "postgres://u:***@h/db?password=***");
    }
}
