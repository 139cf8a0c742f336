import { trustTestCa } from '../src/test-tls';

// every test file's fetch and https trust the test servers' CA (their certificates are real, verified)
trustTestCa();
