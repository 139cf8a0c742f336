import { useEffect, useState } from 'react';
import { session, UNAUTHORIZED_EVENT } from './api';
import { Link, useLocation } from './router';
import { Login } from './pages/Login';
import { EnvironmentList } from './pages/EnvironmentList';
import { EnvironmentDetail } from './pages/EnvironmentDetail';
import { Hosts } from './pages/Hosts';
import { Pools } from './pages/Pools';

export function App() {
  const [key, setKey] = useState(session.key());
  const [loggedOutBecause, setLoggedOutBecause] = useState<string>();
  const { path } = useLocation();
  useEffect(() => {
    const onUnauthorized = (e: Event) => {
      session.clear();
      setKey(null);
      setLoggedOutBecause(`Logged out: the server no longer accepts this API key (${(e as CustomEvent<string>).detail}).`);
    };
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);
  if (!key) return <Login notice={loggedOutBecause} onLogin={(k) => (session.set(k), setKey(k), setLoggedOutBecause(undefined))} />;
  const env = /^\/environments\/([^/]+)$/.exec(path);
  const page = env ? <EnvironmentDetail name={decodeURIComponent(env[1])} /> : path === '/hosts' ? <Hosts /> : path === '/pools' ? <Pools /> : <EnvironmentList />;
  const current = (p: string) => (p === '/' ? path === '/' || path.startsWith('/environments') : path === p) ? ('page' as const) : undefined;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Corral</span>
        <nav aria-label="Main">
          <Link to="/" aria-current={current('/')}>
            Environments
          </Link>
          <Link to="/hosts" aria-current={current('/hosts')}>
            Hosts
          </Link>
          <Link to="/pools" aria-current={current('/pools')}>
            Pools
          </Link>
        </nav>
        <button type="button" className="link" onClick={() => (session.clear(), setKey(null))}>
          Log out
        </button>
      </header>
      <main id="main">{page}</main>
    </>
  );
}
