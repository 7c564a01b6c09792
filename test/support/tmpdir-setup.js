module.exports = require('./tmpdir').setup;
